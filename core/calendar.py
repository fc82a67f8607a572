"""Office calendar facts: closed days, the booking cut-off and Japanese date formats."""

import datetime as dt
import functools
import zoneinfo

import holidays
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")

WEEKDAYS_JA = "月火水木金土日"


@functools.cache
def _japan_holidays(year: int) -> holidays.HolidayBase:
    return holidays.Japan(years=year)


def is_national_holiday(day: dt.date) -> bool:
    """祝日・振替休日・国民の休日."""
    return day in _japan_holidays(day.year)


def is_year_end_closure(day: dt.date) -> bool:
    """Offices close from 29 December to 3 January."""
    return (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)


def closed_reason(day: dt.date, office_closed_days: set[dt.date] | frozenset = frozenset()):
    """Why an office is closed on `day`, or None when it is open."""
    if day.weekday() >= 5:
        return _("Weekend")
    if is_year_end_closure(day):
        return _("Year-end and New Year holidays")
    if is_national_holiday(day):
        return _("National holiday")
    if day in office_closed_days:
        return _("Office closed")
    return None


def is_closed(day: dt.date, office_closed_days: set[dt.date] | frozenset = frozenset()) -> bool:
    return closed_reason(day, office_closed_days) is not None


def tokyo_date(moment: dt.datetime) -> dt.date:
    return moment.astimezone(TOKYO).date()


def tokyo_day_bounds(
    first: dt.date, last: dt.date | None = None
) -> tuple[dt.datetime, dt.datetime]:
    """Whole days in Asia/Tokyo: (00:00 of `first`, 00:00 of the day after `last`), aware.

    The half-open range of `first` to `last` (default: `first` alone), for `__gte=start,
    __lt=end`: the one place a Tokyo midnight is built (the database holds UTC, and a day
    read as UTC would start at 09:00 JST).
    """
    last = first if last is None else last
    start = dt.datetime.combine(first, dt.time(0), tzinfo=TOKYO)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0), tzinfo=TOKYO)
    return start, end


def booking_deadline(
    *, starts_at: dt.datetime, cutoff_days_before: int, cutoff_hour: int
) -> dt.datetime:
    """The last moment (exclusive) at which a slot starting at `starts_at` may be booked.

    Art 6(1): confirmed by the previous day. With the defaults (1 day, hour 24) a slot on day D
    can be booked until 00:00 JST of day D, i.e. through 23:59:59 of D-1.
    """
    day = tokyo_date(starts_at) - dt.timedelta(days=cutoff_days_before)
    midnight, _next = tokyo_day_bounds(day)
    return midnight + dt.timedelta(hours=cutoff_hour)


def format_jp_range(
    starts_at: dt.datetime, ends_at: dt.datetime, language: str | None = None
) -> str:
    """2026年12月1日（火）10:00〜10:30 in Japanese; Tue 1 Dec 2026, 10:00–10:30 in English."""
    start = starts_at.astimezone(TOKYO)
    end = ends_at.astimezone(TOKYO)
    language = language or get_language() or "ja"
    if language.startswith("en"):
        return f"{start:%a} {start.day} {start:%b %Y}, {start:%H:%M}–{end:%H:%M}"
    return (
        f"{start.year}年{start.month}月{start.day}日（{WEEKDAYS_JA[start.weekday()]}）"
        f"{start:%H:%M}〜{end:%H:%M}"
    )


def format_jp_datetime(moment: dt.datetime, language: str | None = None) -> str:
    """2026年12月1日（火）09:45 in Japanese; Tue 1 Dec 2026, 09:45 in English (Asia/Tokyo)."""
    local = moment.astimezone(TOKYO)
    language = language or get_language() or "ja"
    separator = ", " if language.startswith("en") else ""
    return f"{format_jp_date(local.date(), language)}{separator}{local:%H:%M}"


def format_jp_date(day: dt.date, language: str | None = None) -> str:
    language = language or get_language() or "ja"
    if language.startswith("en"):
        return f"{day:%a} {day.day} {day:%b %Y}"
    return f"{day.year}年{day.month}月{day.day}日（{WEEKDAYS_JA[day.weekday()]}）"
