"""The month calendar: weeks from Sunday to Saturday, each with a day of the month.

A month that ends on a Saturday used to get a last row made only of the next month's days
(blank since other-month days are left out, issue 15 item 1): seen in February and October
2026. Every month of two years is checked here, and the page itself at the suite's date.
"""

import calendar as stdlib_calendar
import datetime as dt
import re

import pytest
from django.utils import timezone

from bookings.selectors import calendar_month
from core.calendar import TOKYO
from tests.factories import JobseekerFactory, OfficeFactory

from .conftest import sign_in_client

pytestmark = pytest.mark.django_db

MONTHS = [dt.date(year, month, 1) for year in (2026, 2027) for month in range(1, 13)]
SUNDAY = 6


def _weeks(month: dt.date):
    jobseeker = JobseekerFactory(office=OfficeFactory())
    now = dt.datetime.combine(month, dt.time(10), tzinfo=TOKYO)
    return calendar_month(jobseeker=jobseeker, month=month, now=now).weeks


@pytest.mark.parametrize("month", MONTHS, ids=lambda m: m.strftime("%Y-%m-%a"))
def test_every_row_is_a_week_from_sunday_with_a_day_of_the_month(month):
    weeks = _weeks(month)
    days = stdlib_calendar.monthrange(month.year, month.month)[1]
    leading = (month.weekday() + 1) % 7
    assert len(weeks) == -(-(leading + days) // 7)
    for week in weeks:
        assert len(week) == 7 and week[0].date.weekday() == SUNDAY
        assert any(day.in_month for day in week), [day.date for day in week]
    in_month = [day.date for week in weeks for day in week if day.in_month]
    assert in_month == [month + dt.timedelta(days=n) for n in range(days)]


def test_february_2026_from_sunday_to_saturday_is_four_rows():
    weeks = _weeks(dt.date(2026, 2, 1))
    assert [(week[0].date, week[-1].date) for week in weeks] == [
        (dt.date(2026, 2, 1), dt.date(2026, 2, 7)),
        (dt.date(2026, 2, 8), dt.date(2026, 2, 14)),
        (dt.date(2026, 2, 15), dt.date(2026, 2, 21)),
        (dt.date(2026, 2, 22), dt.date(2026, 2, 28)),
    ]


def test_august_2026_starting_on_saturday_is_six_rows():
    weeks = _weeks(dt.date(2026, 8, 1))
    assert len(weeks) == 6
    assert [day.in_month for day in weeks[0]] == [False] * 6 + [True]
    assert weeks[-1][1].date == dt.date(2026, 8, 31)


def _rows(html: str) -> list[list[str]]:
    body = html[html.index("<tbody>") : html.index("</tbody>")]
    return [re.findall(r"<td[^>]*>(.*?)</td>", row, re.S) for row in body.split("<tr>")[1:]]


@pytest.mark.dates
def test_the_month_page_at_the_suite_s_date_shows_whole_weeks_of_its_month(client, world):
    """Whatever the date: this month, blank cells only outside it, no row without a day."""
    sign_in_client(client, world.jobseeker)
    today = timezone.localdate()
    response = client.get(f"/book/date/?month={today:%Y-%m}")
    assert response.status_code == 200
    html = response.content.decode()
    assert f"{today.year}年{today.month}月" in html
    rows = _rows(html)
    leading = (today.replace(day=1).weekday() + 1) % 7
    days = stdlib_calendar.monthrange(today.year, today.month)[1]
    assert len(rows) == -(-(leading + days) // 7)
    cells = [cell.strip() for row in rows for cell in row]
    assert all(len(row) == 7 for row in rows)
    assert all(any(cell.strip() for cell in row) for row in rows), "a row with no day"
    assert cells[:leading] == [""] * leading
    shown = [cell for cell in cells if cell]
    assert len(shown) == days
    assert f"{today.month}/{today.day}：" in shown[today.day - 1]
