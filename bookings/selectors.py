"""Reads shared by pages and admin."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncWeek

from .calendar import TOKYO
from .models import Office, Reservation, ReservationStatus


def office_list_public() -> QuerySet[Office]:
    return Office.objects.filter(is_active=True).select_related("bureau").order_by("code")


ATTENDED = [ReservationStatus.COMPLETED, ReservationStatus.ENDED_EARLY]


def offices_for_staff(user) -> QuerySet[Office]:
    """Art 9, least privilege: staff see their office; a bureau administrator their bureau."""
    if user.is_superuser:
        return Office.objects.all()
    profile = getattr(user, "staff_profile", None)
    if profile is None:
        return Office.objects.none()
    if profile.office_id is None:
        return Office.objects.filter(bureau_id=profile.bureau_id)
    return Office.objects.filter(pk=profile.office_id)


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
