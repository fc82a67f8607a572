"""Fifty jobseekers press "book" for one slot at the same moment, on real PostgreSQL."""

import threading

import pytest
from django.db import connection
from django.test import Client

from bookings.models import Reservation
from tests.factories import ConsentFactory, JobseekerFactory

from .conftest import NOW, World, sign_in_client

DETAILS = {"interpreter": False, "interpreter_language": "", "assistant_attends": False, "note": ""}
RUNNERS = 50


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.clock(NOW)  # the sessions are signed in and submitted on the day before the slot
def test_fifty_concurrent_submissions_make_exactly_one_reservation():
    world = World()
    clients = []
    for i in range(RUNNERS):
        jobseeker = JobseekerFactory(
            office=world.office, number=f"{world.office.registration_code}-7000{i:04d}"
        )
        ConsentFactory(jobseeker=jobseeker, terms_version=world.terms)
        clients.append(sign_in_client(Client(), jobseeker, slot=world.slot, details=DETAILS))

    barrier = threading.Barrier(RUNNERS)
    statuses: list[int] = []
    bodies: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def submit(client: Client) -> None:
        try:
            barrier.wait(timeout=60)
            response = client.post("/book/check/", {"slot": world.slot.pk})
            with lock:
                statuses.append(response.status_code)
                bodies.append(response.content.decode())
        except BaseException as exc:  # noqa: BLE001 - reported below
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert len(statuses) == RUNNERS
    assert not [s for s in statuses if s >= 500]
    assert Reservation.objects.filter(slot=world.slot).count() == 1
    assert statuses.count(302) == 1
    assert statuses.count(409) == RUNNERS - 1
    taken = [b for s, b in zip(statuses, bodies, strict=True) if s == 409]
    assert all("先ほど予約されました" in body for body in taken)
