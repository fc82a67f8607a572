"""The calendar attachment and the add-to-calendar links."""

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
from icalendar import Calendar

from notifications.ics import (
    METHOD_CANCEL,
    google_calendar_url,
    outlook_calendar_url,
    reservation_ics,
    reservation_uid,
)
from tests.factories import ReservationFactory, SlotFactory, tokyo

pytestmark = pytest.mark.django_db


@pytest.fixture
def reservation():
    return ReservationFactory(
        slot=SlotFactory(starts_at=tokyo(2026, 12, 1, 10, 0)),
        meeting_url="https://zoom.example/j/42",
    )


def _event(data: bytes):
    calendar = Calendar.from_ical(data)
    (event,) = calendar.walk("VEVENT")
    return calendar, event


def test_it_is_a_request_with_the_tokyo_time_zone_and_an_alarm(reservation):
    calendar, event = _event(reservation_ics(reservation))
    assert calendar["METHOD"] == "REQUEST"
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Asia/Tokyo"]
    text = reservation_ics(reservation).decode()
    assert "DTSTART;TZID=Asia/Tokyo:20261201T100000" in text
    assert "DTEND;TZID=Asia/Tokyo:20261201T103000" in text
    assert event.decoded("DTSTART") == tokyo(2026, 12, 1, 10, 0)
    assert str(event["URL"]) == "https://zoom.example/j/42"
    assert str(event["LOCATION"]) == "https://zoom.example/j/42"
    assert "https://zoom.example/j/42" in str(event["DESCRIPTION"])
    (alarm,) = event.walk("VALARM")
    assert alarm.decoded("TRIGGER") == -dt.timedelta(minutes=30)
    assert str(event["STATUS"]) == "CONFIRMED"
    assert int(event["SEQUENCE"]) == 0


def test_the_uid_is_stable_and_a_cancel_bumps_the_sequence(reservation):
    _, first = _event(reservation_ics(reservation))
    reservation.sequence += 1
    calendar, cancel = _event(reservation_ics(reservation, method=METHOD_CANCEL))
    assert first["UID"] == cancel["UID"] == reservation_uid(reservation)
    assert calendar["METHOD"] == "CANCEL"
    assert str(cancel["STATUS"]) == "CANCELLED"
    assert int(cancel["SEQUENCE"]) == int(first["SEQUENCE"]) + 1
    assert not cancel.walk("VALARM")


def test_it_is_japanese_by_default_and_english_on_request(reservation):
    _, ja = _event(reservation_ics(reservation))
    _, en = _event(reservation_ics(reservation, language="en"))
    assert "オンライン職業相談" in str(ja["SUMMARY"])
    assert str(en["SUMMARY"]).startswith("Online job consultation")


def test_hostile_office_text_cannot_add_calendar_lines(reservation):
    reservation.office.name = "X\r\nBEGIN:VEVENT\r\nUID:evil"
    _, event = _event(reservation_ics(reservation))
    assert len(Calendar.from_ical(reservation_ics(reservation)).walk("VEVENT")) == 1
    assert "BEGIN:VEVENT" in str(event["SUMMARY"])


def test_the_google_and_outlook_links_carry_the_times_and_url(reservation):
    google = parse_qs(urlsplit(google_calendar_url(reservation)).query)
    assert google["dates"] == ["20261201T010000Z/20261201T013000Z"]
    assert google["location"] == ["https://zoom.example/j/42"]
    assert google["ctz"] == ["Asia/Tokyo"]
    outlook = urlsplit(outlook_calendar_url(reservation))
    query = parse_qs(outlook.query)
    assert outlook.hostname == "outlook.live.com"
    assert query["startdt"] == ["2026-12-01T10:00:00+09:00"]
    assert query["enddt"] == ["2026-12-01T10:30:00+09:00"]
    assert urlsplit(outlook_calendar_url(reservation, office365=True)).hostname == (
        "outlook.office.com"
    )
