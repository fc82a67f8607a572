"""A booking that committed always reaches its confirmation (issue 16, item 4).

During a PostgreSQL restart a reservation committed and its invitation went out, but saving
the session afterwards failed and the jobseeker was told 「リクエストを読み取れませんでした」;
sending it again said the time had just been taken — by their own booking.
"""

import threading

import pytest
import time_machine
from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.backends.db import SessionStore
from django.db import OperationalError, connection
from django.test import Client

from bookings.errors import AlreadyBooked, SlotTaken
from bookings.models import Reservation
from bookings.services.reservations import reservation_access_token, reservation_create
from portal.views import SESSION_SLOT
from tests.factories import ConsentFactory, JobseekerFactory

from .conftest import FULL_CHECKLIST, NOW, World, sign_in_client

DETAILS = {"interpreter": False, "interpreter_language": "", "assistant_attends": False, "note": ""}


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _database_restarting_at_session_save(monkeypatch):
    def save(self, must_create=False):
        try:
            raise OperationalError("terminating connection due to administrator command")
        except OperationalError:
            raise UpdateError() from None  # what Django's db store turns it into

    monkeypatch.setattr(SessionStore, "save", save)


def test_a_session_that_cannot_be_saved_after_the_commit_still_leads_to_the_confirmation(
    client, world, monkeypatch
):
    sign_in_client(client, world.jobseeker, slot=world.slot, details=DETAILS)
    _database_restarting_at_session_save(monkeypatch)
    client.raise_request_exception = False
    response = client.post("/book/check/", {"slot": world.slot.pk})
    reservation = Reservation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/book/done/{reservation_access_token(reservation)}/"
    confirmation = Client().get(response["Location"])
    assert confirmation.status_code == 200
    assert reservation.reference in confirmation.content.decode()


def test_sending_ones_own_booking_again_shows_it_not_just_taken(client, world):
    sign_in_client(client, world.jobseeker, slot=world.slot, details=DETAILS)
    first = client.post("/book/check/", {"slot": world.slot.pk})
    # The answer never arrived; the browser sends the same form again (the session, whose save
    # failed, still holds the journey's answers).
    sign_in_client(client, world.jobseeker, slot=world.slot, details=DETAILS)
    again = client.post("/book/check/", {"slot": world.slot.pk})
    assert again.status_code == 302
    assert again["Location"] == first["Location"]
    assert Reservation.objects.count() == 1
    assert SESSION_SLOT not in client.session


def test_someone_elses_booking_is_still_just_taken(client, world):
    other = JobseekerFactory(office=world.office)
    ConsentFactory(jobseeker=other, terms_version=world.terms)
    reservation_create(
        slot=world.slot, jobseeker=other, environment_checklist=dict(FULL_CHECKLIST), now=NOW
    )
    sign_in_client(client, world.jobseeker, slot=world.slot, details=DETAILS)
    response = client.post("/book/check/", {"slot": world.slot.pk})
    assert response.status_code == 409
    assert "この時間は先ほど予約されました" in response.content.decode()


def test_the_service_tells_a_second_booking_of_the_same_slot_apart(world):
    first = reservation_create(
        slot=world.slot,
        jobseeker=world.jobseeker,
        environment_checklist=dict(FULL_CHECKLIST),
        now=NOW,
    )
    with pytest.raises(AlreadyBooked) as raised:
        reservation_create(
            slot=world.slot,
            jobseeker=world.jobseeker,
            environment_checklist=dict(FULL_CHECKLIST),
            now=NOW,
        )
    assert raised.value.reservation_id == first.pk
    assert isinstance(raised.value, SlotTaken)  # staff screens that catch SlotTaken are unchanged


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_double_click_makes_one_booking_and_both_answers_show_it():
    world = World()
    clients = [
        sign_in_client(Client(), world.jobseeker, slot=world.slot, details=DETAILS)
        for _ in range(2)
    ]
    barrier = threading.Barrier(2)
    responses = []

    def submit(client):
        try:
            barrier.wait(timeout=30)
            responses.append(client.post("/book/check/", {"slot": world.slot.pk}))
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    reservation = Reservation.objects.get()
    expected = f"/book/done/{reservation_access_token(reservation)}/"
    assert [(r.status_code, r["Location"]) for r in responses] == [(302, expected)] * 2
