"""The slot-choice page is rendered once for everyone looking at the same day, and stays true."""

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bookings.models import Reservation
from bookings.services.reservations import reservation_create
from tests.factories import ConsentFactory, JobseekerFactory

from .conftest import FULL_CHECKLIST, NOW, SLOT_START, sign_in_client

DAY_URL = "/book/date/2026-12-03/"
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _neighbour(world):
    other = JobseekerFactory(
        office=world.office, number=f"{world.office.registration_code}-55550002"
    )
    ConsentFactory(jobseeker=other, terms_version=world.terms)
    return other


def _slot_queries(ctx) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if "bookings_slot" in q["sql"]]


def test_a_second_jobseeker_gets_the_page_from_the_cache_with_a_token_of_their_own(world):
    first = sign_in_client(Client(enforce_csrf_checks=True), world.jobseeker)
    second = sign_in_client(Client(enforce_csrf_checks=True), _neighbour(world))
    page = first.get(DAY_URL).content.decode()
    with CaptureQueriesContext(connection) as ctx:
        again = second.get(DAY_URL)
    html = again.content.decode()
    assert not _slot_queries(ctx)
    assert "10:00〜10:30" in page and "10:00〜10:30" in html
    tokens = set(TOKEN.findall(html))
    assert len(tokens) == 1 and tokens.isdisjoint(TOKEN.findall(page))
    # The token works: the time can be chosen from the cached page.
    response = second.post(DAY_URL, {"slot": world.slot.pk, "csrfmiddlewaretoken": tokens.pop()})
    assert response.status_code == 302


def _kept_pages() -> list[tuple[str, ...]]:
    from django.core.cache import cache

    keys = [k.split(":", 2)[2] for k in cache._cache if "availability:page:" in k]
    return [cache.get(key)[1] for key in keys]


def test_the_page_is_kept_with_no_value_of_the_request_that_rendered_it(world):
    """Any process may serve the copy: it holds the page cut where the token goes, not a token
    or a stand-in for one that only the process that rendered it would know."""
    client = sign_in_client(Client(), world.jobseeker)
    page = client.get(DAY_URL).content.decode()
    [kept] = _kept_pages()
    assert all(isinstance(part, str) for part in kept)
    assert (
        kept[1::2]
        == ("csrf_token",) * page.count('name="csrfmiddlewaretoken"')
        == (
            "csrf_token",
            "csrf_token",
        )
    )  # the language switch's form and the time's
    for token in set(TOKEN.findall(page)):
        assert token not in "".join(kept)
    assert TOKEN.sub("", page) == TOKEN.sub("", "x".join(kept))


def test_a_page_that_uses_the_csp_nonce_is_served_with_each_request_s_own(
    world, settings, tmp_path
):
    (tmp_path / "bookings").mkdir()
    (tmp_path / "bookings" / "day.html").write_text(
        '{% extends "base.html" %}{% block content %}<form method="post">{% csrf_token %}'
        '<script nonce="{{ csp_nonce }}" src="/static/js/site.js"></script></form>'
        "{% endblock %}"
    )
    engine = settings.TEMPLATES[0]
    settings.TEMPLATES = [{**engine, "DIRS": [tmp_path, *engine["DIRS"]]}]
    nonce = re.compile(r'<script nonce="([^"]+)"')
    nonces = []
    for jobseeker in (world.jobseeker, _neighbour(world)):
        response = sign_in_client(Client(), jobseeker).get(DAY_URL)
        [used] = nonce.findall(response.content.decode())
        assert f"'nonce-{used}'" in response["Content-Security-Policy"]
        nonces.append(used)
    assert nonces[0] != nonces[1]
    assert len(_kept_pages()) == 1  # the second was served from the copy


def test_a_time_booked_by_someone_else_is_gone_from_the_next_view(world):
    client = sign_in_client(Client(), world.jobseeker)
    assert "10:00〜10:30" in client.get(DAY_URL).content.decode()
    reservation_create(
        slot=world.slot,
        jobseeker=_neighbour(world),
        environment_checklist=FULL_CHECKLIST,
        now=NOW,
    )
    assert Reservation.objects.count() == 1
    assert "10:00〜10:30" not in client.get(DAY_URL).content.decode()


def test_a_time_is_gone_the_moment_its_cut_off_passes(world):
    world.office.cutoff_hour = 17  # this office's cut-off: 17:00 the day before
    world.office.save()
    day_before = SLOT_START - dt.timedelta(days=1)  # 2 December, 10:00
    with time_machine.travel(day_before.replace(hour=16, minute=59, second=30), tick=False):
        client = sign_in_client(Client(), world.jobseeker)
        assert "10:00〜10:30" in client.get(DAY_URL).content.decode()
    with time_machine.travel(day_before.replace(hour=17), tick=False):
        assert "10:00〜10:30" not in client.get(DAY_URL).content.decode()


def test_a_change_of_the_office_s_cut_off_shows_on_the_next_view(world):
    day_before = SLOT_START - dt.timedelta(days=1)
    with time_machine.travel(day_before.replace(hour=18), tick=False):
        client = sign_in_client(Client(), world.jobseeker)
        assert "10:00〜10:30" in client.get(DAY_URL).content.decode()
        world.office.cutoff_hour = 17
        world.office.save()
        assert "10:00〜10:30" not in client.get(DAY_URL).content.decode()


def test_the_language_and_the_chosen_time_are_each_their_own_page(world):
    chooser = sign_in_client(Client(), world.jobseeker, slot=world.slot)
    looker = sign_in_client(Client(), _neighbour(world))
    assert " checked" in chooser.get(DAY_URL).content.decode()
    assert " checked" not in looker.get(DAY_URL).content.decode()
    looker.cookies["django_language"] = "en"
    english = looker.get(DAY_URL).content.decode()
    assert "Choose a time" in english and "10:00–10:30" in english


def test_without_the_cache_the_page_is_rendered(world, monkeypatch):
    from django.core.cache import cache

    def unreachable(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "get_many", unreachable)
    client = sign_in_client(Client(), world.jobseeker)
    assert "10:00〜10:30" in client.get(DAY_URL).content.decode()


def test_a_made_up_query_string_is_answered_but_not_cached(world):
    from django.core.cache import cache

    client = sign_in_client(Client(), world.jobseeker)
    client.get(DAY_URL)
    cached = set(cache._cache)
    for n in range(5):
        assert "10:00〜10:30" in client.get(f"{DAY_URL}?x={n}").content.decode()
    assert set(cache._cache) == cached


def test_a_day_of_several_offices_is_served_from_the_cache_too(world):
    from tests.factories import CounselorFactory, OfficeFactory, SlotFactory

    world.office.other_offices_slots_visible = True
    world.office.save()
    for n in range(3):
        other = OfficeFactory(bureau=world.office.bureau, code=f"z-other-{n}")
        SlotFactory(counselor=CounselorFactory(office=other), starts_at=SLOT_START)
    client = sign_in_client(Client(), world.jobseeker)
    first = client.get(DAY_URL).content.decode()
    assert first.count("10:00〜10:30") == 4
    for _ in range(3):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(DAY_URL).content.decode().count("10:00〜10:30") == 4
        assert not _slot_queries(ctx)


def test_a_page_from_the_cache_reads_no_more_of_the_jobseeker_than_office_and_gates(world):
    client = sign_in_client(Client(), world.jobseeker)
    client.get(DAY_URL)
    with CaptureQueriesContext(connection) as ctx:
        assert "10:00〜10:30" in client.get(DAY_URL).content.decode()
    reads = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("SELECT")]
    # The session row (sessions are PostgreSQL's alone since issue 16), then the office and the
    # booking gates in one statement (issue 19: a gated jobseeker meets the gate, not times).
    assert len(reads) == 2
    assert 'FROM "django_session"' in reads[0]
    assert reads[1].startswith("SELECT j.office_id, (j.suspended")
    assert "slot" not in reads[1]


def test_an_anonymised_jobseeker_is_turned_away_though_the_page_is_in_the_cache(world):
    from django.utils import timezone

    from jobseekers.models import Jobseeker

    client = sign_in_client(Client(), world.jobseeker)
    neighbour = sign_in_client(Client(), _neighbour(world))
    assert client.get(DAY_URL).status_code == 200
    Jobseeker.objects.filter(pk=world.jobseeker.pk).update(anonymised_at=timezone.now())
    response = client.get(DAY_URL)
    assert response.status_code == 302 and response["Location"] == reverse("bookings:identify")
    assert neighbour.get(DAY_URL).status_code == 200


def test_a_jobseeker_moved_to_another_office_sees_that_office_s_day(world):
    from jobseekers.models import Jobseeker
    from tests.factories import CounselorFactory, OfficeFactory, SlotFactory

    other = OfficeFactory(bureau=world.office.bureau, code="z-moved")
    SlotFactory(
        counselor=CounselorFactory(office=other), starts_at=SLOT_START + dt.timedelta(hours=1)
    )
    client = sign_in_client(Client(), world.jobseeker)
    first = client.get(DAY_URL).content.decode()
    assert "10:00〜10:30" in first and "11:00〜11:30" not in first
    Jobseeker.objects.filter(pk=world.jobseeker.pk).update(office=other)
    moved = client.get(DAY_URL).content.decode()
    assert "11:00〜11:30" in moved and "10:00〜10:30" not in moved


def test_an_office_opened_or_closed_in_the_bureau_shows_on_the_next_view(world):
    from tests.factories import CounselorFactory, OfficeFactory, SlotFactory

    world.office.other_offices_slots_visible = True
    world.office.save()
    other = OfficeFactory(bureau=world.office.bureau, code="z-later", is_active=False)
    SlotFactory(counselor=CounselorFactory(office=other), starts_at=SLOT_START)
    client = sign_in_client(Client(), world.jobseeker)
    assert client.get(DAY_URL).content.decode().count("10:00〜10:30") == 1
    other.is_active = True
    other.save()  # the jobseeker's own office is not saved; its page must still change
    assert client.get(DAY_URL).content.decode().count("10:00〜10:30") == 2
    other.is_active = False
    other.save()
    assert client.get(DAY_URL).content.decode().count("10:00〜10:30") == 1


def test_a_page_is_not_made_for_an_office_the_jobseeker_has_just_left(world, monkeypatch):
    """The office is looked up, then the jobseeker read in full to render: if they moved in
    between, the page is asked for again rather than kept under the office they left."""
    from django.core.cache import cache

    from tests.factories import OfficeFactory

    left = OfficeFactory(bureau=world.office.bureau, code="z-left")
    monkeypatch.setattr("portal.views.day_page_access", lambda **kwargs: (left.pk, False))
    client = sign_in_client(Client(), world.jobseeker)
    cached = set(cache._cache)
    response = client.get(DAY_URL)
    assert response.status_code == 302 and response["Location"] == DAY_URL
    assert not [k for k in set(cache._cache) - cached if "availability:page" in k]
