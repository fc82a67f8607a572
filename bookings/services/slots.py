"""Slots: creating them one by one or from counselors' weekly patterns."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.calendar import TOKYO, closed_reason, tokyo_date, tokyo_day_bounds
from core.dates import date_check
from core.errors import DateOutOfRange, DomainError
from core.sweeps import each_row

from ..availability import availability_changed
from ..errors import ClosedDay, InvalidTransition, SlotHasReservation, SlotOverlap
from ..models import (
    SLOT_LENGTH,
    Counselor,
    Reservation,
    Slot,
    SlotStatus,
    WeeklyAvailability,
)
from .waitlist import waitlist_times_freed


def _overlaps(*, counselor: Counselor, starts_at: dt.datetime) -> bool:
    ends_at = starts_at + SLOT_LENGTH
    return Slot.objects.filter(
        counselor=counselor, starts_at__lt=ends_at, ends_at__gt=starts_at
    ).exists()


def slot_create_refusal(
    *, counselor: Counselor, starts_at: dt.datetime, allow_closed_day: bool = False
) -> DomainError | None:
    """Why `slot_create` would refuse this slot, or None: a date out of range, a closed day,
    another slot of the counselor at that time. A form validates through it."""
    try:
        date_check(starts_at)
    except DateOutOfRange as error:
        return error
    day = tokyo_date(starts_at)
    closed = set(counselor.office.closed_days.values_list("date", flat=True))
    reason = closed_reason(day, closed)
    if not allow_closed_day and reason:
        return ClosedDay(reason=reason)
    if _overlaps(counselor=counselor, starts_at=starts_at):
        return SlotOverlap()
    return None


def slot_create(
    *, counselor: Counselor, starts_at: dt.datetime, allow_closed_day: bool = False
) -> Slot:
    """One 30-minute slot; refused on a closed day or over another slot of the counselor."""
    office = counselor.office
    with transaction.atomic():
        # The exclusion constraint holds the overlap on PostgreSQL; the check serves SQLite.
        Counselor.objects.select_for_update().filter(pk=counselor.pk).first()
        refusal = slot_create_refusal(
            counselor=counselor, starts_at=starts_at, allow_closed_day=allow_closed_day
        )
        if refusal is not None:
            raise refusal
        try:
            with transaction.atomic():
                slot = Slot.objects.create(
                    counselor=counselor,
                    office=office,
                    starts_at=starts_at,
                    ends_at=starts_at + SLOT_LENGTH,
                    status=SlotStatus.OPEN,
                )
        except IntegrityError as exc:
            raise SlotOverlap() from exc
        waitlist_times_freed(office_id=office.pk, starts=[slot.starts_at], now=timezone.now())
        return slot


def _pattern_starts(pattern: WeeklyAvailability, day: dt.date) -> list[dt.datetime]:
    start = dt.datetime.combine(day, pattern.start_time, tzinfo=TOKYO)
    end = dt.datetime.combine(day, pattern.end_time, tzinfo=TOKYO)
    starts = []
    while start + SLOT_LENGTH <= end:
        starts.append(start)
        start += SLOT_LENGTH
    return starts


def slots_generate(
    *, counselor: Counselor, start_date: dt.date, end_date: dt.date, now: dt.datetime | None = None
) -> int:
    """Create the slots of `counselor`'s weekly patterns from start_date to end_date inclusive.

    Skips closed days (weekends, national and substitute holidays, 29 Dec – 3 Jan, the office's
    own closed days), times already past, and anything overlapping an existing slot. Idempotent:
    running it twice creates nothing the second time. Returns how many slots were created.
    """
    now = now or timezone.now()
    office = counselor.office
    closed = set(
        office.closed_days.filter(date__range=(start_date, end_date)).values_list("date", flat=True)
    )
    patterns = list(
        counselor.patterns.filter(valid_from__lte=end_date).exclude(valid_until__lt=start_date)
    )
    if not patterns:
        return 0
    since, until = tokyo_day_bounds(start_date, end_date)
    with transaction.atomic():
        Counselor.objects.select_for_update().filter(pk=counselor.pk).first()
        existing = list(
            Slot.objects.filter(
                counselor=counselor, starts_at__gte=since - SLOT_LENGTH, starts_at__lt=until
            ).values_list("starts_at", "ends_at")
        )
        wanted: list[Slot] = []
        day = start_date
        while day <= end_date:
            if closed_reason(day, closed) is None:
                for pattern in patterns:
                    if pattern.weekday != day.weekday():
                        continue
                    if pattern.valid_from > day or (
                        pattern.valid_until and pattern.valid_until < day
                    ):
                        continue
                    for starts_at in _pattern_starts(pattern, day):
                        ends_at = starts_at + SLOT_LENGTH
                        if starts_at <= now:
                            continue
                        if any(s < ends_at and e > starts_at for s, e in existing):
                            continue
                        existing.append((starts_at, ends_at))
                        wanted.append(
                            Slot(
                                counselor=counselor,
                                office=office,
                                starts_at=starts_at,
                                ends_at=ends_at,
                                status=SlotStatus.OPEN,
                            )
                        )
            day += dt.timedelta(days=1)
        Slot.objects.bulk_create(wanted, batch_size=500)
        if wanted:
            availability_changed(office.pk)  # bulk_create sends no post_save
            waitlist_times_freed(office_id=office.pk, starts=[s.starts_at for s in wanted], now=now)
    return len(wanted)


def slots_generate_weeks(
    *, counselor: Counselor, weeks: int, now: dt.datetime | None = None
) -> int:
    """The counselor's slots from today (Asia/Tokyo) for `weeks` weeks; see `slots_generate`."""
    now = now or timezone.now()
    today = tokyo_date(now)
    return slots_generate(
        counselor=counselor,
        start_date=today,
        end_date=today + dt.timedelta(weeks=weeks, days=-1),
        now=now,
    )


# The beat job fills one week past the booking horizon, so that the last bookable day is
# always generated even when the job misses a run.
HORIZON_MARGIN_WEEKS = 1


def slots_fill_horizon(*, now: dt.datetime | None = None) -> int:
    """Keep every active counselor's slots generated up to their office's booking horizon.

    Run daily by beat; idempotent, so a missed or repeated run does no harm. Returns how many
    slots were created.
    """
    now = now or timezone.now()
    counselors = Counselor.objects.filter(is_active=True, office__is_active=True).select_related(
        "office"
    )
    # One counselor whose patterns cannot be generated is logged and skipped; the others are not.
    return sum(
        each_row(
            counselors,
            lambda counselor: slots_generate_weeks(
                counselor=counselor,
                weeks=counselor.office.booking_horizon_weeks + HORIZON_MARGIN_WEEKS,
                now=now,
            ),
            job="slot generation",
        )
    )


def slot_block(*, slot: Slot | int, reason: str = "", now: dt.datetime | None = None) -> Slot:
    """Take a slot out of booking; a slot holding a reservation must have it handled first."""
    pk = slot if isinstance(slot, int) else slot.pk
    with transaction.atomic():
        # Locked like reservation_create locks it, so no booking slips in between.
        slot = Slot.objects.select_for_update().get(pk=pk)
        if slot.status == SlotStatus.BLOCKED:
            raise InvalidTransition()
        if Reservation.objects.active().filter(slot=slot).exists():
            raise SlotHasReservation()
        slot.status = SlotStatus.BLOCKED
        slot.blocked_reason = reason.strip()[:200]
        slot.save(update_fields=["status", "blocked_reason"])
    return slot


def slot_unblock(*, slot: Slot | int) -> Slot:
    """Open a blocked slot for booking again."""
    pk = slot if isinstance(slot, int) else slot.pk
    with transaction.atomic():
        slot = Slot.objects.select_for_update().get(pk=pk)
        if slot.status != SlotStatus.BLOCKED:
            raise InvalidTransition()
        slot.status = SlotStatus.OPEN
        slot.blocked_reason = ""
        slot.save(update_fields=["status", "blocked_reason"])
        if not Reservation.objects.active().filter(slot=slot).exists():
            waitlist_times_freed(
                office_id=slot.office_id, starts=[slot.starts_at], now=timezone.now()
            )
    return slot
