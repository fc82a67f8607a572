"""A jobseeker's journey ends an hour after the last page, and 8 hours after sign-in at most."""

import datetime as dt
import re

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.test import Client

from jobseekers.models import Jobseeker
from jobseekers.signin import sign_in_request_returning
from portal.views import SESSION_JOBSEEKER, SESSION_SIGNED_IN_AT
from tests.helpers import send_queued

from .conftest import NOW, SLOT_START, sign_in_client

# The sign-in link is made at NOW and spent on the database's clock: the suite's clock starts
# at NOW too (before, the link kept only while the real date was before NOW + 30 minutes).
pytestmark = [pytest.mark.django_db, pytest.mark.clock(NOW)]


def _signed_in_by_link(client: Client, jobseeker) -> None:
    """The real way in: ask for a link, open it, press the button."""
    sign_in_request_returning(number=jobseeker.number, email=jobseeker.email, now=NOW)
    send_queued(now=NOW)
    link = re.search(r"http://testserver(/signin/[^/\s]+/)", mail.outbox[-1].body).group(1)
    assert client.post(link).status_code == 302
    assert client.session[SESSION_JOBSEEKER] == jobseeker.pk


def test_the_limit_is_eight_hours_by_default():
    assert settings.JOBSEEKER_SESSION_ABSOLUTE_TIMEOUT == dt.timedelta(hours=8)


def test_an_active_journey_ends_eight_hours_after_sign_in(client, world):
    day_page = f"/book/date/{SLOT_START.date().isoformat()}/"
    with time_machine.travel(NOW, tick=False):
        _signed_in_by_link(client, world.jobseeker)
    # A page every 30 minutes: the idle limit never ends it.
    for minutes in range(30, 8 * 60, 30):
        with time_machine.travel(NOW + dt.timedelta(minutes=minutes), tick=False):
            assert client.get("/book/date/").status_code == 200, minutes
    with time_machine.travel(NOW + dt.timedelta(hours=7, minutes=59, seconds=59), tick=False):
        assert client.get(day_page).status_code == 200
    with time_machine.travel(NOW + dt.timedelta(hours=8), tick=False):
        # The cached slot-choice page and every other journey page ask for identification.
        for path in (day_page, "/book/date/", "/book/check/", "/book/"):
            response = client.get(path)
            assert (response.status_code, response["Location"]) == (302, "/identify/"), path
        assert SESSION_JOBSEEKER not in client.session
        # The start page no longer offers to go on.
        assert client.get("/").context["signed_in"] is False


def test_the_store_drops_the_session_at_the_absolute_end_too(client, world):
    with time_machine.travel(NOW, tick=False):
        _signed_in_by_link(client, world.jobseeker)
    for minutes in range(30, 7 * 60 + 40, 50):
        with time_machine.travel(NOW + dt.timedelta(minutes=minutes), tick=False):
            assert client.get("/book/date/").status_code == 200
    with time_machine.travel(NOW + dt.timedelta(hours=7, minutes=40), tick=False):
        assert client.get("/book/date/").status_code == 200
        # The idle deadline (an hour) would pass the end: the store keeps it 20 minutes.
        assert client.session.get_expiry_age() <= 20 * 60


def test_a_session_without_its_sign_in_time_is_not_trusted(client, world):
    with time_machine.travel(NOW, tick=False):
        sign_in_client(client, world.jobseeker)
        session = client.session
        del session[SESSION_SIGNED_IN_AT]
        session.save()
        response = client.get("/book/date/")
    assert (response.status_code, response["Location"]) == (302, "/identify/")


def test_the_limit_is_a_setting(client, world, settings):
    settings.JOBSEEKER_SESSION_ABSOLUTE_TIMEOUT = dt.timedelta(hours=2)
    with time_machine.travel(NOW, tick=False):
        sign_in_client(client, world.jobseeker)
    with time_machine.travel(NOW + dt.timedelta(hours=1, minutes=59), tick=False):
        assert client.get("/book/date/").status_code == 200
    with time_machine.travel(NOW + dt.timedelta(hours=2), tick=False):
        assert client.get("/book/date/").status_code == 302


def test_a_journey_ends_when_the_office_binds_another_address_to_the_number(client, world):
    """Whoever signed in with the old address (a squatter, a lost mailbox) is signed out."""
    with time_machine.travel(NOW, tick=False):
        _signed_in_by_link(client, world.jobseeker)
    later = NOW + dt.timedelta(minutes=10)
    with time_machine.travel(later, tick=False):
        assert client.get("/book/date/").status_code == 200
        Jobseeker.objects.filter(pk=world.jobseeker.pk).update(
            email="new@example.jp", email_bound_at=later
        )
        response = client.get("/book/date/")
        assert (response.status_code, response["Location"]) == (302, "/identify/")
        assert SESSION_JOBSEEKER not in client.session
    # Signing in again after the change works.
    other = Client()
    with time_machine.travel(later + dt.timedelta(minutes=1), tick=False):
        world.jobseeker.refresh_from_db()
        _signed_in_by_link(other, world.jobseeker)
        assert other.get("/book/date/").status_code == 200
