"""The details page shows the chosen time; the confirmation and the reservation page offer
Outlook as the invitation email does, and say when the day-before reminder will come (and
nothing when this booking gets none)."""

import re

import pytest
import time_machine
from django.test import Client

from bookings.models import Reservation
from bookings.services.reservations import reservation_access_token, reservation_create
from portal.views import SESSION_DETAILS
from tests.factories import tokyo

from .conftest import FULL_CHECKLIST, NOW, sign_in_client

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _main(response) -> str:
    return re.search(r"<main.*?</main>", response.content.decode(), re.S).group(0)


def _booked(world):
    reservation = reservation_create(
        slot=world.slot,
        jobseeker=world.jobseeker,
        environment_checklist=dict(FULL_CHECKLIST),
        now=NOW,
    )
    return reservation, reservation_access_token(reservation)


@pytest.mark.parametrize("page", ["/book/done/{}/", "/r/{}/"])
def test_outlook_link_and_the_reminder(world, page):
    _reservation, token = _booked(world)
    main = _main(Client().get(page.format(token)))
    assert "outlook.live.com" in main and "Outlookに追加" in main
    # The slot is on 3 December; the office reminds at 17:00 the day before.
    assert "2026年12月2日（水） 17時ごろに、前日のお知らせをメールでお送りします。" in main


@pytest.mark.parametrize("page", ["/book/done/{}/", "/r/{}/"])
def test_no_reminder_promised_to_a_booking_made_after_its_reminder_time(world, page):
    reservation, token = _booked(world)
    Reservation.objects.filter(pk=reservation.pk).update(created_at=tokyo(2026, 12, 2, 18, 0))
    main = _main(Client().get(page.format(token)))
    assert 'id="reminder"' not in main


def test_english_reminder(world):
    _reservation, token = _booked(world)
    client = Client()
    client.cookies["django_language"] = "en"
    main = _main(client.get(f"/book/done/{token}/"))
    assert "We will email you a reminder on" in main and "at about 17:00" in main
    assert "Add to Outlook" in main


def test_the_details_page_shows_the_chosen_time(client, world):
    sign_in_client(client, world.jobseeker, slot=world.slot)
    main = _main(client.get("/book/details/"))
    chosen = re.search(r'<p class="chosen-time" id="chosen-time">(.*?)</p>', main, re.S).group(1)
    assert "2026年12月3日（木）10:00〜10:30" in chosen and 'href="/book/date/"' in chosen


def test_a_language_without_the_interpreter_box_is_an_error_not_dropped(client, world):
    sign_in_client(client, world.jobseeker, slot=world.slot)
    response = client.post("/book/details/", {"interpreter_language": "ベトナム語"})
    assert response.status_code == 200
    main = _main(response)
    assert 'href="#id_interpreter"' in main and "通訳の言語が入力されています" in main
    assert SESSION_DETAILS not in client.session
    # Ticked, it goes through with the language.
    client.post("/book/details/", {"interpreter": "on", "interpreter_language": "ベトナム語"})
    assert client.session[SESSION_DETAILS]["interpreter_language"] == "ベトナム語"
