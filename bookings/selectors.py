"""Reads shared by pages and admin."""

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import TruncWeek
from django.utils.translation import gettext_lazy as _

from core.calendar import TOKYO, booking_deadline, closed_reason, tokyo_date, tokyo_day_bounds
from jobseekers.models import Jobseeker, RegistrationStatus
from offices.models import Office

from .availability import cached_free_starts
from .models import (
    Counselor,
    Reservation,
    ReservationSource,
    ReservationStatus,
    Slot,
    SlotStatus,
)
from .services.reservations import horizon_end, slot_deadline


def office_list_public() -> QuerySet[Office]:
    return Office.objects.filter(is_active=True).select_related("bureau").order_by("code")


ATTENDED = [ReservationStatus.COMPLETED, ReservationStatus.ENDED_EARLY]


@dataclass(frozen=True)
class WeekFigures:
    office: str
    week: dt.date
    booked: int
    attended: int
    no_show: int
    cancelled: int

    @property
    def held(self) -> int:
        return self.attended + self.no_show

    @property
    def attendance_rate(self) -> float | None:
        return self.attended / self.held if self.held else None

    @property
    def no_show_rate(self) -> float | None:
        return self.no_show / self.held if self.held else None

    @property
    def cancellation_rate(self) -> float | None:
        return self.cancelled / self.booked if self.booked else None


def office_week_figures(
    *, offices: QuerySet[Office], since: dt.datetime, until: dt.datetime
) -> list[WeekFigures]:
    """Counts per office and week (Monday, Asia/Tokyo) of the reservations starting in the range.

    Attendance and no-show rates are over the sessions that were due (attended + no-show);
    the cancellation rate is over everything booked. Aggregates only: no one is identified (Art 7).
    """
    rows = (
        Reservation.objects.filter(office__in=offices, starts_at__gte=since, starts_at__lt=until)
        .annotate(week=TruncWeek("starts_at", tzinfo=TOKYO))
        .values("office__name", "week")
        .annotate(
            booked=Count("pk"),
            attended=Count("pk", filter=Q(status__in=ATTENDED)),
            no_show=Count("pk", filter=Q(status=ReservationStatus.NO_SHOW)),
            cancelled=Count("pk", filter=Q(status=ReservationStatus.CANCELLED)),
        )
        .order_by("-week", "office__name")
    )
    return [
        WeekFigures(
            office=row["office__name"],
            week=row["week"].astimezone(TOKYO).date(),
            booked=row["booked"],
            attended=row["attended"],
            no_show=row["no_show"],
            cancelled=row["cancelled"],
        )
        for row in rows
    ]


# The jobseeker's journey: which times can be booked, seen from the pages.


def bookable_offices(*, jobseeker) -> QuerySet[Office]:
    """The jobseeker's office, or every active office of the bureau where the office allows it."""
    office = jobseeker.office
    if office.other_offices_slots_visible:
        return Office.objects.filter(bureau_id=office.bureau_id, is_active=True)
    return Office.objects.filter(pk=office.pk)


def _open_unheld(*, offices, after: dt.datetime, until: dt.datetime) -> QuerySet[Slot]:
    """Open slots of these offices (a queryset or ids) that nobody holds, in (after, until)."""
    taken = Reservation.objects.active().filter(slot=OuterRef("pk"))
    return Slot.objects.filter(
        office__in=offices, status=SlotStatus.OPEN, starts_at__gt=after, starts_at__lt=until
    ).exclude(Exists(taken))


def _one_per_start(slots: QuerySet[Slot]) -> QuerySet[Slot]:
    """One slot per office and start, the lowest id standing for the others (the jobseeker
    chooses a time, not a counselor). `DISTINCT ON` on PostgreSQL keeps it in the database, so
    a day reads 15 rows however many counselors an office has; SQLite (development) is thinned
    by `_one_per_time` instead."""
    slots = slots.order_by("starts_at", "office_id", "pk")
    if connection.features.can_distinct_on_fields:
        return slots.distinct("starts_at", "office_id")
    return slots


def _bookable_now(candidates: list[Slot], now: dt.datetime) -> list[Slot]:
    """The same rules as `reservation_create` (which checks them again under the lock): after
    now, before the office's cut-off (Art 6(1)), within its horizon; by start and office code."""
    candidates = sorted(candidates, key=lambda slot: (slot.starts_at, slot.office.code))
    horizons: dict[int, dt.datetime] = {}
    free = []
    for slot in candidates:
        if slot.starts_at <= now or now >= slot_deadline(slot=slot, office=slot.office):
            continue
        if slot.office_id not in horizons:
            horizons[slot.office_id] = horizon_end(office=slot.office, now=now)
        if slot.starts_at >= horizons[slot.office_id]:
            continue
        free.append(slot)
    return free


def _free_times(*, jobseeker, now: dt.datetime, since: dt.datetime, until: dt.datetime):
    """Free times between since and until that the web journey may book now: one per office
    and start, in order of start and office code."""
    slots = _one_per_start(
        _open_unheld(
            offices=bookable_offices(jobseeker=jobseeker), after=max(now, since), until=until
        )
        .select_related("office")
        .only("pk", "starts_at", "office_id", "office")
    )
    return _bookable_now(_one_per_time(list(slots)), now)


def _one_per_time(slots: list[Slot]) -> list[Slot]:
    """The first slot of each (office, start) of a list ordered by start, office and id."""
    seen: set[tuple[int, dt.datetime]] = set()
    result = []
    for slot in slots:
        key = (slot.office_id, slot.starts_at)
        if key not in seen:
            seen.add(key)
            result.append(slot)
    return result


def day_offices(*, jobseeker) -> list[Office]:
    """The offices whose times the jobseeker sees: their own, or the bureau's (office setting)."""
    office = jobseeker.office
    if office.other_offices_slots_visible:
        return list(bookable_offices(jobseeker=jobseeker))
    return [office]


def free_times_of_day(
    *, jobseeker, day: dt.date, now: dt.datetime, offices: list[Office] | None = None
) -> list[Slot]:
    """The slot-choice page's times: each office's day comes from the cache
    (`bookings.availability`) while nothing of the office changes; the rules that depend on
    the moment are applied here on every view."""
    since, until = tokyo_day_bounds(day)
    by_id = {o.pk: o for o in (offices or day_offices(jobseeker=jobseeker))}

    def load(office_ids: list[int]) -> dict[int, list[tuple[int, dt.datetime]]]:
        rows = _one_per_start(_open_unheld(offices=office_ids, after=since, until=until))
        found: dict[int, list[tuple[int, dt.datetime]]] = {}
        for slot in _one_per_time(list(rows.only("pk", "starts_at", "office_id"))):
            found.setdefault(slot.office_id, []).append((slot.pk, slot.starts_at))
        return found

    starts = cached_free_starts(office_ids=list(by_id), day=day, load=load)
    candidates = [
        Slot(pk=pk, starts_at=starts_at, office=by_id[office_id])
        for office_id, times in starts.items()
        for pk, starts_at in times
    ]
    return _bookable_now(candidates, now)


def free_times_unchanged_for(times: list[Slot], *, now: dt.datetime) -> float:
    """Seconds for which these free times stay the answer, if no slot or reservation changes:
    until one of them starts or passes its cut-off, or the day (and with it the horizon)
    turns."""
    _today, midnight = tokyo_day_bounds(tokyo_date(now))
    ends = [min(s.starts_at, slot_deadline(slot=s, office=s.office)) for s in times]
    return (min([midnight, *ends]) - now).total_seconds()


def free_times_nearest(
    *, jobseeker, around: dt.datetime, now: dt.datetime, limit: int = 5
) -> list[Slot]:
    """The free times closest to `around` (offered when the chosen time was just taken).

    Looked for in a window around `around` that widens (a day, a week, then up to the horizon):
    once a window holds `limit` times, no time outside it can be nearer, so the answer is the
    same as over the whole horizon without loading four weeks of slots for every refusal.
    """
    horizon = horizon_end(office=jobseeker.office, now=now) + dt.timedelta(days=1)
    for reach in (dt.timedelta(days=1), dt.timedelta(days=7), None):
        since = now if reach is None else max(now, around - reach)
        until = horizon if reach is None else min(horizon, around + reach)
        slots = _free_times(jobseeker=jobseeker, now=now, since=since, until=until)
        if len(slots) >= limit:
            break
    slots.sort(key=lambda s: (abs((s.starts_at - around).total_seconds()), s.starts_at))
    return sorted(slots[:limit], key=lambda s: s.starts_at)


@dataclass(frozen=True)
class CalendarDay:
    date: dt.date
    in_month: bool
    free: int
    reason: str | None
    # Open for booking but every time taken (or none yet): the day page offers
    # 「空きが出たら知らせる」.
    full: bool = False

    @property
    def available(self) -> bool:
        return self.in_month and self.free > 0


@dataclass(frozen=True)
class CalendarMonth:
    month: dt.date
    weeks: list[list[CalendarDay]]
    previous: dt.date | None
    next: dt.date | None
    first_free: dt.date | None


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _add_month(month: dt.date, step: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + step
    return dt.date(index // 12, index % 12 + 1, 1)


def booking_months(*, jobseeker, now: dt.datetime) -> tuple[dt.date, dt.date]:
    """The first and last month in which the jobseeker could book now."""
    first = _month_start(now.astimezone(TOKYO).date())
    last_day = (horizon_end(office=jobseeker.office, now=now) - dt.timedelta(seconds=1)).astimezone(
        TOKYO
    )
    return first, _month_start(last_day.date())


def calendar_month(*, jobseeker, month: dt.date, now: dt.datetime) -> CalendarMonth:
    """A month of days (weeks from Sunday, as Japanese calendars read) with free times or why not."""
    month = _month_start(month)
    first_month, last_month = booking_months(jobseeker=jobseeker, now=now)
    office = jobseeker.office
    # From the Sunday on or before the 1st to the Saturday on or after the last day (the day
    # after it, exclusive): a month that ends on a Saturday has no row of the next month.
    start = month - dt.timedelta(days=(month.weekday() + 1) % 7)
    end_month = _add_month(month, 1)
    end = end_month + dt.timedelta(days=(6 - end_month.weekday()) % 7)
    since, until = tokyo_day_bounds(month, end_month - dt.timedelta(days=1))
    counts: dict[dt.date, int] = {}
    for slot in _free_times(jobseeker=jobseeker, now=now, since=since, until=until):
        day = slot.starts_at.astimezone(TOKYO).date()
        counts[day] = counts.get(day, 0) + 1
    closed = set(office.closed_days.filter(date__range=(start, end)).values_list("date", flat=True))
    today = now.astimezone(TOKYO).date()
    horizon = horizon_end(office=office, now=now).astimezone(TOKYO).date()
    weeks: list[list[CalendarDay]] = []
    day = start
    while day < end:
        week = []
        for _i in range(7):
            free = counts.get(day, 0)
            reason, full = None, False
            if not free:
                reason, full = _unavailable_reason(
                    day=day, today=today, horizon=horizon, closed=closed, office=office, now=now
                )
            week.append(
                CalendarDay(
                    date=day, in_month=day.month == month.month, free=free, reason=reason, full=full
                )
            )
            day += dt.timedelta(days=1)
        weeks.append(week)
    return CalendarMonth(
        month=month,
        weeks=weeks,
        previous=_add_month(month, -1) if month > first_month else None,
        next=_add_month(month, 1) if month < last_month else None,
        first_free=min(counts) if counts else None,
    )


def _unavailable_reason(*, day, today, horizon, closed, office, now) -> tuple[str, bool]:
    """Why a day has no free time, and whether it is open for booking all the same (full)."""
    if day < today:
        return _("Past date"), False
    reason = closed_reason(day, closed)
    if reason:
        return reason, False
    deadline = booking_deadline(
        starts_at=dt.datetime.combine(day, dt.time(12), tzinfo=TOKYO),
        cutoff_days_before=office.cutoff_days_before,
        cutoff_hour=office.cutoff_hour,
    )
    if now >= deadline:
        return _("Bookings closed: a consultation must be booked by the day before"), False
    if day >= horizon:
        return _("Not yet open for booking"), False
    return _("No free times"), True


def free_slots(
    *, office: Office, now: dt.datetime, weeks: int = 8, counselor: Counselor | None = None
) -> list[Slot]:
    """Open, unbooked slots of an office still before their cut-off (Art 6(1)), soonest first."""
    slots = (
        Slot.objects.filter(
            office=office,
            status=SlotStatus.OPEN,
            starts_at__gt=now,
            starts_at__lt=now + dt.timedelta(weeks=weeks),
        )
        .exclude(pk__in=Reservation.objects.active().values("slot_id"))
        .select_related("counselor")
        .order_by("starts_at", "counselor__display_name")
    )
    if counselor is not None:
        slots = slots.filter(counselor=counselor)
    return [
        slot
        for slot in slots
        if now
        < booking_deadline(
            starts_at=slot.starts_at,
            cutoff_days_before=office.cutoff_days_before,
            cutoff_hour=office.cutoff_hour,
        )
    ]


def upcoming_for_phone(*, jobseekers: QuerySet[Jobseeker], now: dt.datetime):
    """Confirmed reservations a caller may cancel or be late for: not yet ended."""
    return (
        Reservation.objects.filter(
            jobseeker__in=jobseekers,
            status=ReservationStatus.CONFIRMED,
            starts_at__gt=now - dt.timedelta(minutes=30),
        )
        .select_related("jobseeker", "slot__counselor", "office")
        .order_by("starts_at")
    )


def day_page_access(
    *, jobseeker_id: int, now: dt.datetime, count_limit: bool = True
) -> tuple[int | None, bool]:
    """(office id, whether the booking gates stop them) of a signed-in jobseeker still on record.

    The slot-choice page served from the cache reads its jobseeker with this one statement: the
    office the page belongs to, and `booking_gate`'s rules (suspended, registration unverified
    where the office requires it or expired, and, unless `count_limit` is False, the upcoming
    web bookings at the office's limit) so that a gated jobseeker who types the day's URL meets
    the gate, not a calendar. Plain SQL, as the ORM's query building costs several times what
    PostgreSQL takes to answer (the journey's busiest page). (None, False) when not on record.
    """
    # Only table and column names (from the models) are formatted in; values are bound.
    jobseekers, offices = Jobseeker._meta.db_table, Office._meta.db_table
    reservations = Reservation._meta.db_table
    sql = (
        f"SELECT j.office_id, (j.suspended OR (j.registration_status = %s "  # noqa: S608
        "AND NOT o.unverified_may_book) OR (j.registration_valid_until IS NOT NULL AND "
        "j.registration_valid_until < %s) OR (%s AND (SELECT COUNT(*) FROM "
        f"{reservations} r WHERE r.jobseeker_id = j.id AND r.status = %s AND r.source = %s "
        "AND r.starts_at > %s) >= o.max_upcoming_web_bookings)) "
        f"FROM {jobseekers} j JOIN {offices} o ON o.id = j.office_id "
        "WHERE j.id = %s AND j.anonymised_at IS NULL"
    )
    params = [
        RegistrationStatus.UNVERIFIED.value,
        tokyo_date(now),
        count_limit,
        ReservationStatus.CONFIRMED.value,
        ReservationSource.WEB.value,
        now,
        jobseeker_id,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None, False
    return row[0], bool(row[1])


def reservations_of_jobseeker(*, jobseeker: Jobseeker, now: dt.datetime) -> tuple[list, list]:
    """(upcoming, past) reservations of the jobseeker for 「予約の確認」: upcoming are the
    confirmed ones not started yet, soonest first; past are the rest, latest first (a year)."""
    rows = list(
        Reservation.objects.filter(jobseeker=jobseeker, starts_at__gte=now - dt.timedelta(days=366))
        .select_related("office", "slot")
        .order_by("starts_at")
    )
    upcoming, past = [], []
    for row in rows:
        coming = row.status == ReservationStatus.CONFIRMED and row.starts_at > now
        (upcoming if coming else past).append(row)
    past.reverse()
    return upcoming, past


def upcoming_reservations_exist(*, jobseeker: Jobseeker, now: dt.datetime) -> bool:
    """Whether the jobseeker holds a confirmed reservation that has not started."""
    return Reservation.objects.filter(
        jobseeker=jobseeker, status=ReservationStatus.CONFIRMED, starts_at__gt=now
    ).exists()


def has_free_times(*, jobseeker, since: dt.datetime, until: dt.datetime, now: dt.datetime) -> bool:
    """Whether the web journey could book a time between since and until now."""
    return bool(_free_times(jobseeker=jobseeker, now=now, since=since, until=until))
