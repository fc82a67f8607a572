"""A cancelled reservation's page says how to book again, and its calendar file takes the event
off a calendar that imported it (METHOD:CANCEL, STATUS:CANCELLED, same UID, higher SEQUENCE)."""

import re

import pytest
import time_machine
from django.test import Client
from icalendar import Calendar

from bookings.models import ReservationStatus
from bookings.services.reservations import (
    reservation_access_token,
    reservation_cancel,
    reservation_create,
)
from tests.factories import tokyo

from .conftest import FULL_CHECKLIST, NOW

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _event(response):
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    (event,) = calendar.walk("VEVENT")
    return calendar, event


def test_the_calendar_file_follows_the_reservation(world):
    reservation = reservation_create(
        slot=world.slot,
        jobseeker=world.jobseeker,
        environment_checklist=dict(FULL_CHECKLIST),
        now=NOW,
    )
    token = reservation_access_token(reservation)
    client = Client()
    calendar, before = _event(client.get(f"/r/{token}/calendar.ics"))
    assert calendar["METHOD"] == "PUBLISH" and before["STATUS"] == "CONFIRMED"
    assert before.walk("VALARM")
    assert 'id="booking-again"' not in client.get(f"/r/{token}/").content.decode()

    reservation_cancel(reservation=reservation, called_at=tokyo(2026, 12, 1, 9, 50), now=NOW)
    calendar, after = _event(client.get(f"/r/{token}/calendar.ics"))
    assert calendar["METHOD"] == "CANCEL" and after["STATUS"] == "CANCELLED"
    assert not after.walk("VALARM")
    assert after["UID"] == before["UID"]
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])

    page = client.get(f"/r/{token}/").content.decode()
    again = re.search(r'<div class="notice" id="booking-again">(.*?)</div>', page, re.S).group(1)
    assert "キャンセルされました" in again and 'href="/"' in again and "calendar.ics" in again


def test_a_no_show_page_says_why(world):
    reservation = reservation_create(
        slot=world.slot,
        jobseeker=world.jobseeker,
        environment_checklist=dict(FULL_CHECKLIST),
        now=NOW,
    )
    type(reservation).objects.filter(pk=reservation.pk).update(
        status=ReservationStatus.NO_SHOW, sequence=reservation.sequence + 1
    )
    token = reservation_access_token(reservation)
    page = Client().get(f"/r/{token}/").content.decode()
    assert "10分以内に参加がなかった" in page
    calendar, event = _event(Client().get(f"/r/{token}/calendar.ics"))
    assert calendar["METHOD"] == "CANCEL" and event["STATUS"] == "CANCELLED"
