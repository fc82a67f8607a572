"""Aggregated usage figures (Art 7(2)): counts that identify no one and no device."""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, QuerySet
from django.db.models.functions import TruncDate

from bookings.models import Reservation, ReservationSource
from core.calendar import TOKYO, format_jp_date, tokyo_day_bounds
from jobseekers.models import UsageRecord, family_label


@dataclass(frozen=True)
class Figure:
    label: str
    count: int

    @property
    def shown(self) -> str:
        """The count, or "< N" when so few that the cell could point at one person's device."""
        minimum = settings.USAGE_FIGURES_MIN_COUNT
        return f"< {minimum}" if 0 < self.count < minimum else str(self.count)


@dataclass(frozen=True)
class UsageFigures:
    since: dt.date
    until: dt.date
    requests_per_day: list[Figure]
    devices: list[Figure]
    operating_systems: list[Figure]
    browsers: list[Figure]
    bookings_per_channel: list[Figure]

    @property
    def total_requests(self) -> int:
        return sum(f.count for f in self.requests_per_day)


def _families(records: QuerySet[UsageRecord], field: str) -> list[Figure]:
    rows = records.values(field).annotate(n=Count("pk")).order_by("-n", field)
    return [Figure(label=family_label(row[field]), count=row["n"]) for row in rows]


def usage_figures(
    *,
    records: QuerySet[UsageRecord],
    reservations: QuerySet[Reservation],
    since: dt.date,
    until: dt.date,
) -> UsageFigures:
    """Requests per day (Asia/Tokyo), device / OS / browser families, bookings per channel.

    `records` and `reservations` are those the reader may read (the one scoping rule,
    `offices.admin_scope.scoped_queryset`): a bureau's figures count its own visitors only.
    Only counts leave this function: no path, address, user agent or jobseeker, and a family
    seen fewer than USAGE_FIGURES_MIN_COUNT times is shown as "< N".
    """
    start, end = tokyo_day_bounds(since, until)
    records = records.filter(at__gte=start, at__lt=end)
    per_day = (
        records.annotate(day=TruncDate("at", tzinfo=TOKYO))
        .values("day")
        .annotate(n=Count("pk"))
        .order_by("day")
    )
    bookings = (
        reservations.filter(created_at__gte=start, created_at__lt=end)
        .values("source")
        .annotate(n=Count("pk"))
        .order_by("source")
    )
    return UsageFigures(
        since=since,
        until=until,
        requests_per_day=[
            Figure(label=format_jp_date(row["day"]), count=row["n"]) for row in per_day
        ],
        devices=_families(records, "device_family"),
        operating_systems=_families(records, "os_family"),
        browsers=_families(records, "browser_family"),
        bookings_per_channel=[
            Figure(label=str(ReservationSource(row["source"]).label), count=row["n"])
            for row in bookings
        ],
    )
