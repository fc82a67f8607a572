"""Redis stopped: the journey works from PostgreSQL, slower, and every booking commits.

The cache and the broker point at a private Redis that the test kills (tests/faults/services.py),
not at the machine's shared one. The booking's send task is refused by the broker; its
outbox row waits for the sweep (docs/notifications.md).
"""

import time

import pytest
import time_machine
from django.core import mail
from django.test import Client

from bookings.models import Reservation
from bookings.services.reservations import reservation_access_token
from notifications.models import Notification, NotificationStatus
from tests.factories import ConsentFactory, JobseekerFactory
from tests.faults.services import PrivateRedis
from tests.helpers import NO_DETAILS, send_queued
from tests.notifications.worker import point_app_at, restore_app

from .conftest import NOW, sign_in_client

pytestmark = [pytest.mark.faults, pytest.mark.django_db]


@pytest.fixture
def redis_away(tmp_path, settings):
    """Cache and broker on a Redis that answered once and is then killed."""
    server = PrivateRedis(tmp_path).start()
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.RedisCache",
            "LOCATION": server.url,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    saved = point_app_at(server.url, {"socket_connect_timeout": 1})
    server.stop()
    try:
        yield server
    finally:
        restore_app(saved)
        server.stop()


def _another_jobseeker(world):
    jobseeker = JobseekerFactory(office=world.office)
    ConsentFactory(jobseeker=jobseeker, terms_version=world.terms)
    return jobseeker


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_the_whole_journey_works_while_redis_is_down(redis_away, world, client):
    assert Client().get("/").status_code == 200
    began = time.monotonic()
    identified = Client().post(
        "/identify/returning/", {"number": world.jobseeker.number, "email": world.jobseeker.email}
    )
    assert identified.status_code == 302
    # The sign-in email is an outbox row like every other email: its send task was refused by
    # the broker, and the row is sent by the worker's sweep (here: at once, to the test outbox).
    assert time.monotonic() - began < 3.0
    assert Notification.objects.get().status == NotificationStatus.QUEUED
    assert send_queued() == 1 and len(mail.outbox) == 1
    sign_in_client(client, world.jobseeker, details=NO_DETAILS)
    assert client.get("/book/date/").status_code == 200
    day = client.get(f"/book/date/{world.slot.starts_at.date().isoformat()}/")
    assert day.status_code == 200
    assert 'name="slot"' in day.content.decode()

    began = time.monotonic()
    booked = client.post("/book/check/", {"slot": world.slot.pk})
    second = sign_in_client(Client(), _another_jobseeker(world), details=NO_DETAILS).post(
        "/book/check/", {"slot": world.slot_at(world.slot.starts_at.replace(hour=11)).pk}
    )
    took = time.monotonic() - began

    reservations = list(Reservation.objects.order_by("pk"))
    assert len(reservations) == 2
    assert booked.status_code == second.status_code == 302
    assert booked["Location"] == f"/book/done/{reservation_access_token(reservations[0])}/"
    # With the journey's session cookie, every page answers (each used to read the session
    # through the cache and write it back unguarded).
    for path in [
        booked["Location"],
        "/",
        "/privacy/",
        f"/r/{reservation_access_token(reservations[0])}/",
    ]:
        assert client.get(path).status_code == 200, path
    # Both invitations wait in the outbox for the sweep; neither booking waited for the broker
    # more than once (the breaker remembers it is away).
    assert Notification.objects.filter(status=NotificationStatus.QUEUED).count() == 2
    assert took < 3.0, took
