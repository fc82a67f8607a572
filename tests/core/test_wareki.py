"""Dates typed as staff type them, Western or era, and dates written the Japanese way."""

import datetime as dt

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from core.wareki import DateInputError, era_of, era_year, format_date, parse_date

D = dt.date


@pytest.mark.parametrize(
    "typed",
    [
        "2027-03-31",
        "2027/3/31",
        "2027.3.31",
        "20270331",
        "2027年3月31日",
        "2027年03月31日",
        "R9.3.31",
        "R9/3/31",
        "R9-03-31",
        "r9.3.31",
        "R09.03.31",
        "令和9年3月31日",
        "令和9年3月31日（水）",
        "令和9年3月31日(水曜日)",
        "2027年3月31日（水）",
        "令和 9年 3月 31日",
        " 2027/3/31 ",
        "２０２７／３／３１",
        "２０２７０３３１",
        "Ｒ９．３．３１",
        "令和９年３月３１日",
        "㋿9年3月31日",
        "R9年3月31日",
    ],
)
def test_it_reads_the_ways_staff_type_one_day(typed):
    assert parse_date(typed) == D(2027, 3, 31)


@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("令和元年5月1日", D(2019, 5, 1)),
        ("R元.5.1", D(2019, 5, 1)),
        ("R1.5.1", D(2019, 5, 1)),
        ("H31.4.30", D(2019, 4, 30)),
        ("平成31年4月30日", D(2019, 4, 30)),
        ("平成元年1月8日", D(1989, 1, 8)),
        ("H1.1.8", D(1989, 1, 8)),
        ("昭和64年1月7日", D(1989, 1, 7)),
        ("S64.1.7", D(1989, 1, 7)),
        ("昭和元年12月25日", D(1926, 12, 25)),
        ("大正15年12月24日", D(1926, 12, 24)),
        ("大正元年7月30日", D(1912, 7, 30)),
        ("明治45年7月29日", D(1912, 7, 29)),
        ("明治6年1月1日", D(1873, 1, 1)),
        ("S50.10.1", D(1975, 10, 1)),
        ("H12.2.29", D(2000, 2, 29)),
        ("R6.2.29", D(2024, 2, 29)),
    ],
)
def test_it_reads_era_dates_up_to_each_boundary(typed, day):
    assert parse_date(typed) == day


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("", "empty"),
        ("  \u3000", "empty"),
        (None, "empty"),
        ("来週の水曜日", "format"),
        ("27/3/31", "format"),
        ("2027-3", "format"),
        ("X9.3.31", "format"),
        ("2027-02-30", "impossible"),
        ("2027/13/1", "impossible"),
        ("R7.2.29", "impossible"),
        ("令和0年5月1日", "impossible"),
        ("R1.4.30", "era_not_begun"),
        ("令和元年4月30日", "era_not_begun"),
        ("平成元年1月7日", "era_not_begun"),
        ("H1.1.7", "era_not_begun"),
        ("明治5年12月31日", "era_not_begun"),
        ("H31.5.1", "era_ended"),
        ("平成32年1月1日", "era_ended"),
        ("昭和64年1月8日", "era_ended"),
        ("大正15年12月25日", "era_ended"),
        ("2027年3月31日（木）", "weekday"),
        ("R9.3.31(月)", "weekday"),
    ],
)
def test_it_refuses_what_is_not_a_day_with_a_code(typed, code):
    with pytest.raises(DateInputError) as caught:
        parse_date(typed)
    assert caught.value.code == code
    assert str(caught.value.message)


def test_an_error_is_a_value_error_for_callers_that_catch_those():
    with pytest.raises(ValueError, match="format"):
        parse_date("tomorrow")


def test_a_date_before_reiwa_says_when_reiwa_began_in_the_readers_language():
    with translation.override("ja"), pytest.raises(DateInputError) as caught:
        parse_date("R1.4.30")
    assert caught.value.message == "令和は2019年5月1日に始まりました。それより前の日付です。"
    with translation.override("en"), pytest.raises(DateInputError) as caught:
        parse_date("R1.4.30")
    assert caught.value.message == "Reiwa began on 1 May 2019; this date is earlier."


def test_a_date_after_heisei_says_when_heisei_ended():
    with translation.override("ja"), pytest.raises(DateInputError) as caught:
        parse_date("H31.5.1")
    assert caught.value.message == "平成は2019年4月30日に終わりました。それより後の日付です。"


def test_the_fixed_messages_are_japanese_in_japanese():
    with translation.override("ja"), pytest.raises(DateInputError) as caught:
        parse_date("2027-02-30")
    assert str(caught.value.message) == "その日付はありません。月と日を確かめてください。"


@pytest.mark.parametrize(
    ("day", "plain", "with_era"),
    [
        (D(2027, 3, 31), "2027年3月31日（水）", "令和9年3月31日（水）"),
        (D(2019, 5, 1), "2019年5月1日（水）", "令和元年5月1日（水）"),
        (D(2019, 4, 30), "2019年4月30日（火）", "平成31年4月30日（火）"),
        (D(1989, 1, 8), "1989年1月8日（日）", "平成元年1月8日（日）"),
        (D(1989, 1, 7), "1989年1月7日（土）", "昭和64年1月7日（土）"),
        (D(1926, 12, 25), "1926年12月25日（土）", "昭和元年12月25日（土）"),
        (D(1873, 1, 1), "1873年1月1日（水）", "明治6年1月1日（水）"),
    ],
)
def test_it_writes_a_day_the_japanese_way(day, plain, with_era):
    assert format_date(day) == plain
    assert format_date(day, era=True) == with_era


def test_it_writes_a_day_without_its_weekday_when_asked():
    assert format_date(D(2027, 3, 31), weekday=False) == "2027年3月31日"
    assert format_date(D(2027, 3, 31), era=True, weekday=False) == "令和9年3月31日"


def test_a_day_before_the_gregorian_calendar_keeps_its_western_year():
    assert era_of(D(1872, 12, 31)) is None
    assert era_year(D(1872, 12, 31)) is None
    assert format_date(D(1872, 12, 31), era=True) == "1872年12月31日（火）"


def test_era_year_counts_the_first_year_as_one():
    assert era_year(D(2019, 5, 1)) == ("令和", 1)
    assert era_year(D(2019, 4, 30)) == ("平成", 31)
    assert era_year(D(2027, 3, 31)) == ("令和", 9)


DAYS = st.dates(min_value=D(1873, 1, 1), max_value=D(2200, 12, 31))


@given(DAYS, st.booleans())
def test_what_it_writes_it_reads_back(day, weekday):
    assert parse_date(format_date(day, weekday=weekday)) == day
    assert parse_date(format_date(day, era=True, weekday=weekday)) == day


@given(DAYS)
def test_the_iso_and_compact_forms_read_back(day):
    assert parse_date(day.isoformat()) == day
    assert parse_date(day.strftime("%Y%m%d")) == day
