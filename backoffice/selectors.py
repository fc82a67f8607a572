"""Reads of the staff's pages that gather several apps: the day and week schedule, the
dashboard."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from bookings.models import Counselor, Reservation, ReservationStatus, Slot
from bookings.selectors import ATTENDED
from bookings.services.waitlist import waitlist_waiting_counts
from core.calendar import TOKYO, closed_reason, tokyo_day_bounds
from jobseekers.models import EmailProblem, Jobseeker, RegistrationStatus
from notifications.selectors import reservations_invitation_unsent, with_invitation_status
from offices.models import Office


@dataclass
class ScheduleDay:
    day: dt.date
    closed: str | None
    slots: list[Slot]
    # Jobseekers of these offices waiting to be told of a free time on the day (「空き待ち」).
    waiting: int = 0


def schedule_days(
    *,
    offices: QuerySet[Office],
    start: dt.date,
    days: int,
    counselor: Counselor | None = None,
    now: dt.datetime | None = None,
) -> list[ScheduleDay]:
    """The slots of each day with their active reservation (`slot.booking`), Asia/Tokyo days.

    Each booking carries `invitation_status` for the day view; each day the number of
    jobseekers of `offices` waiting for a free time on it.
    """
    now = now or timezone.now()
    since, until = tokyo_day_bounds(start, start + dt.timedelta(days=days - 1))
    slots = (
        Slot.objects.filter(office__in=offices, starts_at__gte=since, starts_at__lt=until)
        .select_related("counselor", "office")
        .prefetch_related(
            Prefetch(
                "reservations",
                queryset=with_invitation_status(
                    Reservation.objects.active().select_related("jobseeker")
                ),
                to_attr="active_reservations",
            )
        )
        .order_by("starts_at", "counselor__display_name")
    )
    if counselor is not None:
        slots = slots.filter(counselor=counselor)
    by_day: dict[dt.date, list[Slot]] = {}
    for slot in slots:
        slot.booking = slot.active_reservations[0] if slot.active_reservations else None
        by_day.setdefault(slot.starts_at.astimezone(TOKYO).date(), []).append(slot)
    # An office's own closed days are shown when the page is about one office.
    office_list = [counselor.office] if counselor is not None else list(offices)
    own_closed = (
        set(office_list[0].closed_days.values_list("date", flat=True))
        if len(office_list) == 1
        else set()
    )
    waiting = waitlist_waiting_counts(
        offices=offices, first=start, last=start + dt.timedelta(days=days - 1), now=now
    )
    return [
        ScheduleDay(
            day=day,
            closed=closed_reason(day, own_closed),
            slots=by_day.get(day, []),
            waiting=waiting.get(day, 0),
        )
        for day in (start + dt.timedelta(days=n) for n in range(days))
    ]


@dataclass(frozen=True)
class CounselorDay:
    counselor: Counselor
    total: int
    held: int
    upcoming: int


@dataclass(frozen=True)
class Dashboard:
    today: dt.date
    consultations: list[CounselorDay]
    invitations_unsent: int
    no_shows_to_review: int
    unverified: int
    bounced: int
    # Offices whose video service refused their credentials or setting (issue 20).
    failing_video_services: list[Office] = field(default_factory=list)


def staff_dashboard(*, offices: QuerySet[Office], now: dt.datetime) -> Dashboard:
    """What office staff check each morning, counted within the user's offices (Art 9)."""
    today = now.astimezone(TOKYO).date()
    since, until = tokyo_day_bounds(today)
    counts = (
        Reservation.objects.active()
        .filter(office__in=offices, starts_at__gte=since, starts_at__lt=until)
        .values("slot__counselor")
        .annotate(
            total=Count("pk"),
            held=Count("pk", filter=Q(status__in=ATTENDED)),
            upcoming=Count(
                "pk",
                filter=Q(status__in=[ReservationStatus.CONFIRMED, ReservationStatus.IN_SESSION]),
            ),
        )
        .order_by()
    )
    by_counselor = {row["slot__counselor"]: row for row in counts}
    counselors = Counselor.objects.filter(pk__in=by_counselor).select_related("office")
    jobseekers = Jobseeker.objects.filter(office__in=offices)
    return Dashboard(
        today=today,
        consultations=[
            CounselorDay(
                counselor=counselor,
                total=by_counselor[counselor.pk]["total"],
                held=by_counselor[counselor.pk]["held"],
                upcoming=by_counselor[counselor.pk]["upcoming"],
            )
            for counselor in counselors
        ],
        invitations_unsent=reservations_invitation_unsent(offices=offices, now=now).count(),
        no_shows_to_review=jobseekers.filter(needs_review=True).count(),
        unverified=jobseekers.filter(registration_status=RegistrationStatus.UNVERIFIED).count(),
        bounced=jobseekers.filter(
            email_problem__in=[EmailProblem.BOUNCED, EmailProblem.COMPLAINED]
        ).count(),
        failing_video_services=list(
            offices.filter(meeting_provider_failing_since__isnull=False).order_by("code")
        ),
    )
