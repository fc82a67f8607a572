"""The bench's own pieces: its URLs stay out of production, its data set loads and is valid."""

from pathlib import Path

import pytest
from django.db.models import F
from django.urls import Resolver404, resolve
from django.utils import timezone

from bench import dataset, targets
from bookings.models import Counselor, Reservation, ReservationStatus, Slot
from config.settings import base
from consent.models import Consent
from jobseekers.models import Jobseeker
from notifications.models import Notification

# The outcome depends on the date the suite runs at: `make test-dates` runs it at each date.
pytestmark = pytest.mark.dates


def test_the_bench_urls_are_not_routed_by_the_portal():
    assert base.ROOT_URLCONF == "config.urls"
    production = Path(base.BASE_DIR, "config", "settings", "production.py").read_text()
    assert "ROOT_URLCONF" not in production
    with pytest.raises(Resolver404):
        resolve("/bench/trivial/")


@pytest.mark.django_db
@pytest.mark.urls("bench.urls")
def test_the_trivial_view_makes_one_query(client, django_assert_num_queries):
    # Its own query, and the usage record (Art 7) every public request writes.
    with django_assert_num_queries(2):
        response = client.get("/bench/trivial/")
    assert response.status_code == 200
    assert client.post("/bench/trivial/").status_code == 405


@pytest.fixture
def small_parts(monkeypatch):
    monkeypatch.setattr(dataset, "COUNSELORS_PER_OFFICE", 1)
    monkeypatch.setattr(dataset, "JOBSEEKERS", 400)
    monkeypatch.setattr(dataset, "FREE_FROM", 200)
    monkeypatch.setattr(dataset, "PAST_RESERVATIONS", 1_000)
    monkeypatch.setattr(dataset, "UPCOMING_RESERVATIONS", 100)
    monkeypatch.setattr(dataset, "WEEKS_BACK", 4)
    monkeypatch.setattr(dataset, "WEEKS_AHEAD", 4)


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_data_set_loads_valid_rows_and_grows_by_parts(small_parts):
    now = timezone.now()
    first = dataset.load_part(0, now)
    assert first.counselors == 10
    assert first.jobseekers == 400
    assert first.past_reservations == 1_000
    assert first.upcoming_reservations == 100
    assert Slot.objects.count() == first.slots > 0
    assert Consent.objects.count() == 400
    assert Notification.objects.count() == 1_100
    past = Reservation.objects.filter(starts_at__lt=now)
    assert past.count() == 1_000
    assert past.filter(status=ReservationStatus.COMPLETED).count() > 700
    assert past.filter(status=ReservationStatus.NO_SHOW).exists()
    assert past.filter(status=ReservationStatus.CANCELLED, cancelled_at__isnull=False).exists()
    # Each reservation is in its jobseeker's office, and no one holds two upcoming ones.
    assert not Reservation.objects.exclude(office_id=F("jobseeker__office_id")).exists()
    upcoming = Reservation.objects.filter(status=ReservationStatus.CONFIRMED)
    assert upcoming.values("jobseeker").distinct().count() == upcoming.count()

    second = dataset.load_part(1, now)
    assert Counselor.objects.count() == 20
    assert Jobseeker.objects.count() == 800
    assert Reservation.objects.count() == 2 * 1_100
    assert second.slots == first.slots


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_bench_finds_free_jobseekers_and_open_slots(small_parts):
    now = timezone.now()
    dataset.load_part(0, now)
    world = targets.prepare(now=now)
    plans = targets.booking_plans(world, clients=2, each=3)
    assert [len(p) for p in plans] == [3, 3]
    rounds = list(targets.race_rounds(world, rounds=2, attempts=5))
    assert len(world.race_slots) == 2
    assert all(len(r) == 5 for r in rounds)


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_bench_client_sees_the_pages_and_books_as_the_browser_does(small_parts):
    from django.test import Client

    now = timezone.now()
    dataset.load_part(0, now)
    world = targets.prepare(now=now)
    for page in targets.public_pages(world):
        client = Client()
        page.prepare(client)
        assert client.get(page.path).status_code == 200, page.label

    [attempt] = targets.booking_plans(world, clients=1, each=1)[0]
    client = Client(enforce_csrf_checks=True)
    cookies = dict(part.split("=", 1) for part in attempt.headers["Cookie"].split("; "))
    for name, value in cookies.items():
        client.cookies[name] = value
    response = client.post(
        attempt.path, data=attempt.body, content_type=attempt.headers["Content-Type"]
    )
    assert response.status_code == 302
    assert "/book/done/" in response["Location"]
    assert Reservation.objects.filter(status=ReservationStatus.CONFIRMED).count() == 101


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_bench_submits_the_slot_choice_form_a_cached_page_served(small_parts):
    from urllib.parse import parse_qs

    from django.test import Client

    from bench.loadgen import Response

    now = timezone.now()
    dataset.load_part(0, now)
    world = targets.prepare(now=now)
    page = targets.slot_choice(world)
    Client(HTTP_COOKIE=page.headers["Cookie"]).get(page.path)  # the viewer's copy, kept
    [session] = targets.slot_choice_viewers(world, 1)
    got = Client(HTTP_COOKIE=session.headers()["Cookie"]).get(page.path)
    served = Response(
        got.status_code,
        {"set-cookie": "\n".join(m.OutputString() for m in got.cookies.values())},
        got.content,
        0.0,
    )
    form = targets.form_submission(
        session=session, path=page.path, page=served, origin="http://testserver"
    )
    assert form.path == page.path
    fields = parse_qs(form.body.decode())
    assert fields["slot"] == [str(world.open_slots[world.office_ids[0]][0])]  # the time chosen
    answer = Client(enforce_csrf_checks=True).generic(
        "POST", form.path, form.body, headers=form.headers
    )
    assert targets.chose_time(answer.status_code, answer["Location"])
    assert answer["Location"] == "/book/check/"
    # The same form with another token is refused, and the bench would say so.
    forged = form.body.replace(b"csrfmiddlewaretoken=", b"csrfmiddlewaretoken=x")
    refused = Client(enforce_csrf_checks=True).generic(
        "POST", form.path, forged, headers=form.headers
    )
    assert not targets.chose_time(refused.status_code, refused.get("Location", ""))
