"""The slot-choice page is cached across processes: every copy must work in every process.

A page is rendered by whichever gunicorn worker first answers for its office, day, language
and chosen time, kept in Redis, and served by any worker after that. Here a real server with
two workers (production settings, PostgreSQL, Redis) serves jobseekers who each open the day
again and again and submit the form the page gave them, as a browser does; every submission
must be accepted, whichever worker made the page and whichever serves it.
"""

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client

from bench.targets import posted_form
from tests.factories import ConsentFactory, JobseekerFactory

from .conftest import NOW, SLOT_START, World, sign_in_client
from .gunicorn_server import Browser, clocked_gunicorn
from .test_day_page import DAY_URL

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

WORKERS = 2
ROUNDS = 12
TIME = re.compile(r'<input type="radio" name="slot" id="id_slot_\d+" value="(\d+)"')


@pytest.fixture
def server(checkout_redis, collected_static, tmp_path):
    gunicorn = clocked_gunicorn(
        workers=WORKERS, log_dir=tmp_path, now=NOW, static_root=collected_static
    )
    try:
        yield gunicorn.start()
    finally:
        gunicorn.stop()


@pytest.fixture
def world(transactional_db):
    """The office's Thursday with four free times; the test itself runs at NOW too."""
    with time_machine.travel(NOW, tick=False):
        world = World()
        for hour in (11, 13, 14):
            world.slot_at(SLOT_START.replace(hour=hour))
        yield world


def _browser(server, world, *, number: str, language: str | None = None) -> Browser:
    """A jobseeker of the office signed in (the journey's session, as the sign-in link leaves
    it), in the server's cookies."""
    jobseeker = JobseekerFactory(office=world.office, number=number)
    ConsentFactory(jobseeker=jobseeker, terms_version=world.terms)
    session = sign_in_client(Client(), jobseeker).session
    cookies = {"__Host-sessionid": session.session_key}
    if language:
        cookies["__Host-language"] = language
    return Browser(server, cookies)


def test_every_page_any_worker_serves_from_the_cache_can_be_submitted(world, server):
    code = world.office.registration_code
    people = [
        _browser(server, world, number=f"{code}-6666000{n}", language=language)
        for n, language in enumerate(("ja", None, None, "en"))
    ]
    statuses: dict[str, list[int]] = {"GET": [], "POST": []}
    refused = []
    round_ = 0
    # ROUNDS at least, and on until every worker has served the page (the kernel hands each
    # connection to whichever worker accepts first; in practice both serve from the start).
    while round_ < ROUNDS or (len(_day_page_servers(server)) < WORKERS and round_ < 4 * ROUNDS):
        for n, browser in enumerate(people):
            page = browser.get(DAY_URL)
            statuses["GET"].append(page.status)
            assert page.status == 200, page.text[:500]
            action, fields = posted_form(page.text, having="slot")
            # Another time every few rounds: the time chosen is part of what the page is kept
            # under, so new copies are made (by whichever worker) as the test goes.
            times = TIME.findall(page.text)
            assert len(times) == 4
            fields["slot"] = times[(round_ // 3 + n) % len(times)]
            answer = browser.post(action or DAY_URL, fields)
            statuses["POST"].append(answer.status)
            if answer.status != 302 or answer.location != "/book/details/":
                refused.append((round_, n, answer.status, answer.location, answer.text[:300]))
        round_ += 1
    requests = len(people) * round_
    # Every worker served the page: copies one of them made were served by the others.
    assert len(_day_page_servers(server)) == WORKERS
    assert not refused, f"{len(refused)} of {requests} submissions refused: {refused[:3]}"
    assert statuses == {"GET": [200] * requests, "POST": [302] * requests}


def _day_page_servers(server) -> set[int]:
    return {pid for pid, method, path, _ in server.served() if (method, path) == ("GET", DAY_URL)}


def test_the_server_runs_on_the_test_s_clock(world, server, settings):
    """gunicorn's Date header and Django's cookie expiry both count from the test's "now"."""
    from email.utils import parsedate_to_datetime
    from http.cookies import SimpleCookie

    browser = _browser(server, world, number=f"{world.office.registration_code}-66660009")
    page = browser.get(DAY_URL)
    assert page.status == 200 and "10:00〜10:30" in page.text
    served_at = parsedate_to_datetime(page.headers["Date"])
    assert NOW <= served_at < NOW + dt.timedelta(minutes=5)
    [csrf] = [
        morsel
        for header in page.headers.get_all("Set-Cookie")
        for name, morsel in SimpleCookie(header).items()
        if name == "__Host-csrftoken"
    ]
    expires = parsedate_to_datetime(csrf["expires"]) - dt.timedelta(
        seconds=settings.CSRF_COOKIE_AGE
    )
    assert NOW <= expires < NOW + dt.timedelta(minutes=5)
