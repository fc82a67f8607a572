"""The one Tokyo day boundary: whole days in Asia/Tokyo, half-open, as aware datetimes."""

import datetime as dt

from core.calendar import TOKYO, tokyo_day_bounds


def test_a_day_runs_from_midnight_in_tokyo_which_is_15_00_utc_the_day_before():
    start, end = tokyo_day_bounds(dt.date(2026, 12, 1))
    assert start == dt.datetime(2026, 11, 30, 15, 0, tzinfo=dt.UTC)
    assert end == dt.datetime(2026, 12, 1, 15, 0, tzinfo=dt.UTC)
    last_second_before = dt.datetime(2026, 11, 30, 23, 59, 59, tzinfo=TOKYO)
    assert not start <= last_second_before < end
    assert start <= dt.datetime(2026, 12, 1, 0, 0, tzinfo=TOKYO) < end


def test_a_range_of_days_ends_at_the_midnight_after_its_last_day_across_the_year():
    start, end = tokyo_day_bounds(dt.date(2026, 12, 29), dt.date(2027, 1, 3))
    assert start == dt.datetime(2026, 12, 29, tzinfo=TOKYO)
    assert end == dt.datetime(2027, 1, 4, tzinfo=TOKYO)
    assert end - start == dt.timedelta(days=6)
