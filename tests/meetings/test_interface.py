"""The request a provider takes, the passcodes it sets, and the answers it reads."""

import datetime as dt

import httpx
import pytest

from meetings.http import TokenCache, retry_after_seconds
from meetings.providers.base import MeetingRequest, new_passcode

from .conftest import START, Clock


def test_a_request_is_in_utc_and_its_title_is_the_reference_only():
    tokyo = dt.timezone(dt.timedelta(hours=9))
    request = MeetingRequest(
        reference="ABCD-2345",
        start=dt.datetime(2026, 12, 1, 10, 0, tzinfo=tokyo),
        duration_minutes=30,
        host_account="c@office.example.go.jp",
    )
    assert request.start_utc == START
    assert request.end_utc == START + dt.timedelta(minutes=30)
    assert request.title == "ABCD-2345"
    assert request.timezone == "Asia/Tokyo"
    assert request.external_key == "hw-online-ABCD-2345"


@pytest.mark.parametrize(
    "changes",
    [
        {"reference": "山田 太郎"},
        {"reference": "ABCD 2345"},
        {"reference": ""},
        {"start": dt.datetime(2026, 12, 1, 10, 0)},  # naive
        {"duration_minutes": 0},
        {"timezone": "Tokyo/Nowhere"},
    ],
)
def test_a_request_refuses_what_is_not_a_reservations_meeting(changes):
    fields = {
        "reference": "ABCD-2345",
        "start": START,
        "duration_minutes": 30,
        "host_account": "x",
        **changes,
    }
    with pytest.raises(ValueError):
        MeetingRequest(**fields)


def test_passcodes_mix_cases_and_digits_within_zooms_ten_characters():
    codes = {new_passcode() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert len(code) == 10 and code.isalnum() and code.isascii()
        assert any(c.islower() for c in code) and any(c.isupper() for c in code)
        assert any(c.isdigit() for c in code)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, None),
        ({"Retry-After": "120"}, 120.0),
        (
            {
                "Retry-After": "Tue, 01 Dec 2026 00:01:00 GMT",
                "Date": "Tue, 01 Dec 2026 00:00:00 GMT",
            },
            60.0,
        ),
        (
            {
                "Retry-After": "Tue, 01 Dec 2026 00:00:00 GMT",
                "Date": "Tue, 01 Dec 2026 00:05:00 GMT",
            },
            0.0,
        ),
        ({"Retry-After": "soon"}, None),
    ],
)
def test_retry_after_is_read_as_seconds(headers, expected):
    assert retry_after_seconds(httpx.Response(429, headers=headers)) == expected


def test_the_token_cache_renews_a_minute_before_expiry_and_forgets_on_request():
    clock = Clock()
    cache = TokenCache(clock=clock)
    issued = iter(["t1", "t2", "t3"])
    fetch = lambda: (next(issued), 600.0)  # noqa: E731
    assert cache.get(("zoom", "tokyo", "c"), fetch) == "t1"
    clock.now += 539
    assert cache.get(("zoom", "tokyo", "c"), fetch) == "t1"
    clock.now += 1
    assert cache.get(("zoom", "tokyo", "c"), fetch) == "t2"
    cache.forget(("zoom", "tokyo", "c"))
    assert cache.get(("zoom", "tokyo", "c"), fetch) == "t3"
