"""Hypothesis throws hostile text at every public form and the identification flow.

Unicode of every kind, control characters (NUL included), full-width digits and dashes,
right-to-left marks, very long strings: the answer is never a 5xx, and input the form refuses
stores nothing (no jobseeker, no sign-in link, no email, no consent, no reservation).
"""

import os
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookings.forms import ChecklistForm, DetailsForm, FirstVisitForm, ReturningForm
from bookings.models import Reservation
from bookings.views import SESSION_CHECKLIST, SESSION_DETAILS, SESSION_SLOT
from consent.models import Consent
from jobseekers.models import Jobseeker, SignInToken
from tests.bookings.conftest import FULL_CHECKLIST, NOW, World, sign_in_client
from tests.factories import ReservationFactory

pytestmark = pytest.mark.django_db

# CI runs the same examples every time (a red build is reproducible); elsewhere each run
# explores new ones.
FUZZ = settings(
    derandomize=os.environ.get("CI") == "true",
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Everything a person or a script could type, except lone surrogates (not encodable in UTF-8,
# so no browser can send them).
ANY_CHAR = st.characters(exclude_categories=["Cs"])
NASTY = st.sampled_from(
    [
        "\x00",
        "\r\n",
        "\u202e",  # right-to-left override
        "\ufeff",
        "０１２３４５６７８９",
        "－ー‐―",
        "３３０１０－１２３４５６７８",
        "<script>alert(1)</script>",
        "' OR 1=1 --",
        "%00",
        "../../etc/passwd",
        "𠮷野家",
        "ｱｲｳｴｵ",
        "e\u0301",
    ]
)
TEXT = st.one_of(
    st.text(ANY_CHAR, max_size=60),
    st.text(ANY_CHAR, min_size=300, max_size=3000),
    st.lists(st.one_of(NASTY, st.text(ANY_CHAR, max_size=8)), max_size=8).map("".join),
)
NUMBER = st.one_of(
    TEXT,
    st.from_regex(r"[0-9０-９]{5}[-－ー‐ ]?[0-9０-９]{1,8}", fullmatch=True),
    st.from_regex(r"[0-9]{13}", fullmatch=True),
)


def _stored() -> tuple[int, ...]:
    return (
        Jobseeker.objects.count(),
        SignInToken.objects.count(),
        Consent.objects.count(),
        Reservation.objects.count(),
        len(mail.outbox),
    )


def _post(client: Client, url: str, data: dict):
    response = client.post(url, data)
    assert response.status_code < 500, (url, data)
    return response


@pytest.fixture
def world(db):
    with time_machine.travel(NOW, tick=False):
        yield World()


@FUZZ
@given(
    number=NUMBER,
    family_name=TEXT,
    given_name=TEXT,
    family_name_kana=TEXT,
    given_name_kana=TEXT,
    email=st.one_of(TEXT, st.emails()),
)
def test_first_visit_identification(world, **data):
    cache.clear()  # the rate limit would answer 429 after 20 examples
    client = Client()
    before = _stored()
    response = _post(client, "/identify/", data)
    if not FirstVisitForm(data).is_valid():
        assert response.status_code == 200
        assert _stored() == before
    else:
        assert response.status_code == 302


@FUZZ
@given(number=NUMBER, email=st.one_of(TEXT, st.emails()))
def test_returning_identification(world, number, email):
    cache.clear()
    client = Client()
    before = _stored()
    data = {"number": number, "email": email}
    response = _post(client, "/identify/returning/", data)
    if not ReturningForm(data).is_valid():
        assert response.status_code == 200
        assert _stored() == before


@FUZZ
@given(token=TEXT.filter(lambda t: "/" not in t and t.strip() and "\x00" not in t))
def test_sign_in_links(world, token):
    cache.clear()
    client = Client()
    before = _stored()
    for method in ("get", "post"):
        response = getattr(client, method)(f"/signin/{token}/")
        assert response.status_code < 500
    assert _stored() == before
    assert "journey_jobseeker" not in client.session


@FUZZ
@given(agree_terms=TEXT, agree_app_terms=TEXT)
def test_consent(world, agree_terms, agree_app_terms):
    client = Client()
    with time_machine.travel(NOW, tick=False):
        sign_in_client(client, world.jobseeker)
        before = Consent.objects.count()
        response = _post(
            client, "/book/terms/", {"agree_terms": agree_terms, "agree_app_terms": agree_app_terms}
        )
        if response.status_code == 200:
            assert Consent.objects.count() == before


@FUZZ
@given(values=st.lists(TEXT, min_size=len(FULL_CHECKLIST), max_size=len(FULL_CHECKLIST)))
def test_checklist(world, values):
    client = Client()
    with time_machine.travel(NOW, tick=False):
        sign_in_client(client, world.jobseeker, checklist=False)
        data = dict(zip(FULL_CHECKLIST, values, strict=True))
        response = _post(client, "/book/checklist/", data)
        if not ChecklistForm(data).is_valid():
            assert response.status_code == 200
            assert SESSION_CHECKLIST not in client.session


@FUZZ
@given(slot=st.one_of(TEXT, st.integers().map(str)), month=TEXT)
def test_choosing_a_time_and_a_month(world, slot, month):
    client = Client()
    with time_machine.travel(NOW, tick=False):
        sign_in_client(client, world.jobseeker)
        before = _stored()
        assert client.get("/book/date/", {"month": month}).status_code < 500
        for url in ("/book/time/", "/book/date/2026-12-03/"):
            response = client.post(url, {"slot": slot})
            assert response.status_code < 500, url
        assert _stored() == before
        assert client.session.get(SESSION_SLOT) in (None, world.slot.pk)


@FUZZ
@given(
    interpreter=TEXT,
    interpreter_language=TEXT,
    assistant_attends=TEXT,
    note=TEXT,
)
def test_details(world, **data):
    client = Client()
    with time_machine.travel(NOW, tick=False):
        sign_in_client(client, world.jobseeker, slot=world.slot)
        response = _post(client, "/book/details/", data)
        if not DetailsForm(data).is_valid():
            assert response.status_code == 200
            assert SESSION_DETAILS not in client.session


@FUZZ
@given(slot=st.one_of(TEXT, st.integers().map(str)))
def test_the_final_check_with_a_tampered_slot(world, slot):
    details = {"interpreter": False, "interpreter_language": "", "assistant_attends": False}
    client = Client()
    with time_machine.travel(NOW, tick=False):
        sign_in_client(client, world.jobseeker, slot=world.slot, details={**details, "note": ""})
        before = Reservation.objects.count()
        _post(client, "/book/check/", {"slot": slot})
        if slot.strip() != str(world.slot.pk):
            assert Reservation.objects.count() == before


@FUZZ
@given(token=TEXT.filter(lambda t: "/" not in t and t.strip() and "\x00" not in t), reason=TEXT)
def test_reservation_links(world, token, reason):
    if not Reservation.objects.exists():
        ReservationFactory(jobseeker=world.jobseeker, slot=world.slot)
    client = Client()
    before = _stored()
    for url in (f"/r/{token}/", f"/r/{token}/calendar.ics", f"/r/{token}/cancel/"):
        assert client.get(url).status_code < 500, url
        assert client.post(url, {"reason": reason, "confirm": reason}).status_code < 500, url
    assert _stored() == before


@FUZZ
@given(language=TEXT, next_url=TEXT)
def test_the_language_switch(db, language, next_url):
    client = Client()
    response = client.post("/i18n/setlang/", {"language": language, "next": next_url})
    assert response.status_code < 500
    if response.status_code == 302:
        # Never to another site (an open redirect), whatever `next` says: a path on this host.
        location = response["Location"]
        parts = urlsplit(location)
        assert not parts.scheme and not parts.netloc, location
        assert not location.startswith(("//", "/\\")), location
