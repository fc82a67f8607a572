"""Dates as staff type them, Western or Japanese era (和暦), and dates written the Japanese way.

`parse_date` reads 2027-03-31, 2027/3/31, 2027.3.31, 20270331, 2027年3月31日, R9.3.31, R9/3/31,
令和9年3月31日, 令和元年5月1日, H31.4.30, in full- or half-width characters, with or without
spaces and with an optional weekday as this project writes it (（水）). What is not a date raises
`DateInputError` with a code a caller can act on and a message a person can read:

- ``empty``: nothing was typed;
- ``format``: not one of the forms above;
- ``impossible``: no such day (2027-02-30, month 13, era year 0);
- ``era_not_begun``: before the first day of the era (R1.4.30: 令和 began on 2019-05-01);
- ``era_ended``: after the era's last day (H31.5.1, 昭和64年1月8日, H32.1.1);
- ``weekday``: the weekday typed is not the date's.

`format_date` writes 2027年3月31日（水）, or 令和9年3月31日（水） with ``era=True``.
"""

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

WEEKDAYS_JA = "月火水木金土日"


@dataclass(frozen=True)
class Era:
    name: str
    letter: str
    label: Promise  # the name in the language in force: 令和, or Reiwa in English
    first_day: dt.date
    last_day: dt.date | None


# The first day of each era is the day its name took effect. 明治 counts from 明治6年1月1日, the
# day Japan took the Gregorian calendar: earlier 明治 dates were on the lunisolar calendar and do
# not convert by arithmetic, so they are refused as before the era.
ERAS = (
    Era("明治", "M", _("Meiji"), dt.date(1873, 1, 1), dt.date(1912, 7, 29)),
    Era("大正", "T", _("Taisho"), dt.date(1912, 7, 30), dt.date(1926, 12, 24)),
    Era("昭和", "S", _("Showa"), dt.date(1926, 12, 25), dt.date(1989, 1, 7)),
    Era("平成", "H", _("Heisei"), dt.date(1989, 1, 8), dt.date(2019, 4, 30)),
    Era("令和", "R", _("Reiwa"), dt.date(2019, 5, 1), None),
)
_BY_NAME = {era.name: era for era in ERAS} | {era.letter: era for era in ERAS}
# 明治6年 is year 6 of an era whose year 1 is 1868.
_FIRST_YEAR = {era.name: era.first_day.year for era in ERAS} | {"明治": 1868}

_WEEKDAY = r"(?:\((?P<weekday>[月火水木金土日])(?:曜日?)?\))?"
_WESTERN = re.compile(
    r"(?P<year>\d{4})[-/.年](?P<month>\d{1,2})[-/.月](?P<day>\d{1,2})日?" + _WEEKDAY
)
_COMPACT = re.compile(r"(?P<year>\d{4})(?P<month>\d{2})(?P<day>\d{2})" + _WEEKDAY)
_ERA = re.compile(
    r"(?P<era>明治|大正|昭和|平成|令和|[MTSHR])(?P<year>元|\d{1,3})[-/.年]"
    r"(?P<month>\d{1,2})[-/.月](?P<day>\d{1,2})日?" + _WEEKDAY,
    re.IGNORECASE,
)

MESSAGES = {
    "empty": _("Enter a date."),
    "format": _("Enter a date such as 2027/3/31, R9.3.31 or 令和9年3月31日."),
    "impossible": _("There is no such day: check the month and the day."),
    "weekday": _("The weekday does not match the date."),
}


class DateInputError(ValueError):
    """The text is not a date; `code` says why, `message` says it to a person."""

    def __init__(self, code: str, message=None):
        self.code = code
        self.message = message or MESSAGES[code]
        super().__init__(code)


MONTHS_EN = "January February March April May June July August September October November December"


def _spoken(day: dt.date) -> str:
    """A day in a message, in the language in force: 2019年5月1日, or 1 May 2019."""
    if (get_language() or "ja").startswith("ja"):
        return format_date(day, weekday=False)
    return f"{day.day} {MONTHS_EN.split()[day.month - 1]} {day.year}"


def _not_begun(era: Era) -> DateInputError:
    message = _("%(era)s began on %(day)s; this date is earlier.") % {
        "era": era.label,
        "day": _spoken(era.first_day),
    }
    return DateInputError("era_not_begun", message)


def _ended(era: Era, last_day: dt.date) -> DateInputError:
    message = _("%(era)s ended on %(day)s; this date is later.") % {
        "era": era.label,
        "day": _spoken(last_day),
    }
    return DateInputError("era_ended", message)


def _day(year: int, month: int, day: int) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise DateInputError("impossible") from None


def parse_date(text: str | None) -> dt.date:
    """The date typed, Western or Japanese era; raises DateInputError saying why it is not one."""
    squashed = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))
    if not squashed:
        raise DateInputError("empty")
    if match := _ERA.fullmatch(squashed):
        era = _BY_NAME[match["era"].upper() if len(match["era"]) == 1 else match["era"]]
        era_year = 1 if match["year"] == "元" else int(match["year"])
        if era_year == 0:
            raise DateInputError("impossible")
        value = _day(_FIRST_YEAR[era.name] + era_year - 1, int(match["month"]), int(match["day"]))
        if value < era.first_day:
            raise _not_begun(era)
        if era.last_day is not None and value > era.last_day:
            raise _ended(era, era.last_day)
    elif match := _WESTERN.fullmatch(squashed) or _COMPACT.fullmatch(squashed):
        value = _day(int(match["year"]), int(match["month"]), int(match["day"]))
    else:
        raise DateInputError("format")
    if match["weekday"] and match["weekday"] != WEEKDAYS_JA[value.weekday()]:
        raise DateInputError("weekday")
    return value


def era_of(day: dt.date) -> Era | None:
    """The era a day falls in, or None before 明治6年 (the Gregorian calendar in Japan)."""
    for era in reversed(ERAS):
        if day >= era.first_day:
            return era
    return None


def era_year(day: dt.date) -> tuple[str, int] | None:
    """(era name, year of the era) of a day: 2019-05-01 → ("令和", 1); None before 明治6年."""
    era = era_of(day)
    if era is None:
        return None
    return era.name, day.year - _FIRST_YEAR[era.name] + 1


def format_date(day: dt.date, *, era: bool = False, weekday: bool = True) -> str:
    """2027年3月31日（水）; with era=True 令和9年3月31日（水） (元年 for year 1).

    A day before 明治6年 has no era year that arithmetic can give; it is written with its
    Western year even when the era is asked for.
    """
    year = f"{day.year}年"
    if era and (named := era_year(day)) is not None:
        name, number = named
        year = f"{name}{'元' if number == 1 else number}年"
    suffix = f"（{WEEKDAYS_JA[day.weekday()]}）" if weekday else ""
    return f"{year}{day.month}月{day.day}日{suffix}"
