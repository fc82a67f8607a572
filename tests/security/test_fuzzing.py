"""Hypothesis throws hostile text at every public form and the identification flow, and
calendar edges and control characters at every URL of the site.

Unicode of every kind, control characters (NUL included), full-width digits and dashes,
right-to-left marks, very long strings: the answer is never a 5xx, and input the form refuses
stores nothing (no jobseeker, no sign-in link, no email, no consent, no reservation). A
control character in a path or a query parameter is a 400 (security.middleware); a date at
the edge of the calendar (0001-01-01, 9999-12-31, 2026-02-30, huge numbers) is a 400 or a
404, as each role sees the site.
"""

import datetime as dt
import os
import re
import warnings
from html.parser import HTMLParser
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookings.models import Reservation
from consent.models import Consent
from jobseekers.models import Jobseeker, SignInToken
from portal.forms import ChecklistForm, DetailsForm, FirstVisitForm, ReturningForm
from portal.views import SESSION_CHECKLIST, SESSION_DETAILS, SESSION_SLOT
from tests.bookings.conftest import FULL_CHECKLIST, NOW, World, sign_in_client
from tests.factories import ReservationFactory
from tests.helpers import staff_login

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


# --- Every URL the resolver knows, with NUL, control characters and calendar edges ---------
#
# Issue 15 §3.5: /book/date/9999-12-31/, /book/done/%00/, the day and week views with
# 9999-12-31 or 0001-01-03, the admin's autocomplete with %00 answered 500. The URLs are
# enumerated from the resolver, so a URL added later is fuzzed without touching this file;
# their query parameters are those of each page's own GET forms and links (as a superuser
# sees them, who sees every filter) plus a few every view might read.

# Unicode's category Cc: C0 (NUL included), DEL, C1.
CONTROL_CHARACTERS = [chr(c) for c in [*range(0x20), *range(0x7F, 0xA0)]]
CALENDAR_EDGES = ["0001-01-01", "9999-12-31", "0000", "2026-02-30", "9999-12", "9" * 20]
# Read by many views whatever their page shows: the search box, the redirect after login.
ALWAYS_TRIED = ["q", "next"]
# A parameter that may hold a date or a number gets every edge; any other gets one of them,
# a different one for each in turn.
DATE_LIKE = re.compile(r"date|day|month|year|time|_at|since|until|__(gte?|lte?)$|^[po]$")
# Sample values of path parameters, by name; a parameter of another name gets "1".
SAMPLE_DATE = "2026-12-03"


def _routes(patterns=None, prefix=""):
    """(route with its parameters, URL name) of every URL pattern of the site."""
    from django.urls import URLResolver, get_resolver

    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = str(pattern.pattern).removeprefix("^").removesuffix("$")
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + route)
        else:
            yield prefix + route, pattern.name or ""


PARAMETER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>|\(\?P<(?P<group>\w+)>[^)]*\)")


class Site:
    """The world the URLs are tried on: each role, and an object of each admin model."""

    def __init__(self):
        from django.apps import apps
        from django.contrib import admin
        from django.contrib.contenttypes.models import ContentType

        from bookings.services.reservations import reservation_access_token
        from notifications.services.outbox import invitation_queue
        from tests.backoffice.conftest import BUREAU_ADMIN, COUNSELOR, OFFICE_STAFF, make_user
        from tests.factories import UserFactory, WeeklyAvailabilityFactory

        self.world = World()
        self.reservation = ReservationFactory(jobseeker=self.world.jobseeker, slot=self.world.slot)
        invitation_queue(reservation=self.reservation, now=NOW)
        WeeklyAvailabilityFactory(counselor=self.world.counselor)
        self.token = reservation_access_token(self.reservation)
        office = self.world.office
        self.staff = {
            role: make_user(role, office=office) for role in (COUNSELOR, OFFICE_STAFF, BUREAU_ADMIN)
        }
        self.superuser = UserFactory(is_superuser=True)
        self.models = {
            f"{model._meta.app_label}_{model._meta.model_name}_": model
            for model in admin.site._registry
        }
        self.samples = {
            "token": self.token,
            "reference": self.reservation.reference,
            "bureau": office.bureau.code,
            "date": SAMPLE_DATE,
            "app_label": "bookings",
            "url": "nothing-here",
            "content_type_id": str(ContentType.objects.get_for_model(Reservation).pk),
            "id": str(self.superuser.pk),
        }
        self.apps = apps

    def sample(self, name: str, url_name: str) -> str:
        if name in ("pk", "object_id"):
            for prefix, model in self.models.items():
                if url_name.startswith(prefix):
                    obj = model._default_manager.order_by("pk").first()
                    return str(obj.pk) if obj is not None else "1"
            if url_name == "terms_version":
                return str(self.world.terms.pk)
            return str(self.reservation.pk)
        return self.samples.get(name, "1")

    def urls(self) -> list[tuple[str, list[int], bool]]:
        """(path, indexes of its segments that are parameters, whether it is the admin's)."""
        found = []
        for route, url_name in _routes():
            segments = route.split("/")
            params = []
            for index, segment in enumerate(segments):
                filled = PARAMETER.sub(
                    lambda m, url_name=url_name: self.sample(m["name"] or m["group"], url_name),
                    segment,
                )
                if filled != segment:
                    params.append(index)
                segments[index] = filled
            found.append(("/" + "/".join(segments), params, route.startswith("admin/")))
        return found

    def client(self, role: str | None) -> Client:
        client = Client(raise_request_exception=False)
        if role == "jobseeker":
            sign_in_client(client, self.world.jobseeker, slot=self.world.slot)
        elif role == "superuser":
            staff_login(client, self.superuser)
        elif role is not None:
            staff_login(client, self.staff[role])
        return client


class _QueryNames(HTMLParser):
    """The parameter names a page offers: its GET forms' fields and its links' queries."""

    def __init__(self, path: str):
        super().__init__()
        self.path = path
        self.names: set[str] = set()
        self.in_get_form = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self.in_get_form = (attributes.get("method") or "get").lower() == "get"
        elif tag in ("input", "select", "textarea") and self.in_get_form:
            if attributes.get("name"):
                self.names.add(attributes["name"])
        elif tag == "a" and attributes.get("href"):
            parts = urlsplit(attributes["href"])
            if parts.query and (not parts.path or parts.path == self.path):
                self.names.update(name for name, _ in parse_qsl(parts.query, True))

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_get_form = False


_QUERY_NAMES: dict[str, list[str]] = {}


def _query_names(site: Site, path: str, admin_url: bool) -> list[str]:
    """Asked once per path in a run, as the role that sees the most (names, not values)."""
    if path not in _QUERY_NAMES:
        viewer = site.client("superuser" if admin_url else "jobseeker")
        response = viewer.get(path)
        parser = _QueryNames(path)
        if response.get("Content-Type", "").startswith("text/html"):
            parser.feed(response.content.decode(errors="replace"))
        _QUERY_NAMES[path] = sorted(parser.names | set(ALWAYS_TRIED))
    return _QUERY_NAMES[path]


@pytest.fixture
def site(db):
    with time_machine.travel(NOW, tick=False):
        cache.clear()
        yield Site()


PUBLIC_ROLES = [None, "jobseeker"]
STAFF_ROLES = ["Counselor", "Office staff", "Bureau administrator"]


def _urls_for(site: Site, role: str | None):
    for path, params, admin_url in site.urls():
        if admin_url == (role in STAFF_ROLES) or role is None:
            yield path, params, admin_url


def _with_char(segment: str, char: str) -> str:
    return segment[:1] + char + segment[1:]


def _get(client: Client, path: str, query: dict | None = None):
    with warnings.catch_warnings():
        # django-axes' date filter hands a bare date to a DateTimeField: a RuntimeWarning (an
        # error under the suite's warnings-as-errors, a log line in production), not a 500.
        warnings.filterwarnings("ignore", "DateTimeField .* received a naive", RuntimeWarning)
        return client.get(path, query)


def test_a_control_character_in_any_path_segment_of_any_url_is_a_400(site):
    """Anonymous: every segment of every URL, public and admin, with every control character."""
    client = site.client(None)
    tried = 0
    for path, _params, _admin in site.urls():
        segments = path.split("/")
        for index in range(1, len(segments)):
            char = CONTROL_CHARACTERS[tried % len(CONTROL_CHARACTERS)]
            tried += 1
            bad = "/".join(
                [*segments[:index], _with_char(segments[index], char), *segments[index + 1 :]]
            )
            response = client.get(quote(bad, safe="/"))
            assert response.status_code == 400, (bad, response.status_code)
    assert tried > len(CONTROL_CHARACTERS)  # every control character was used


def test_a_control_character_in_any_query_parameter_of_any_url_is_a_400(site):
    """Anonymous: every parameter of every URL, in its value; and once per URL in a name."""
    client = site.client(None)
    tried = 0
    for path, _params, admin_url in site.urls():
        names = _query_names(site, path, admin_url)
        for name in names:
            char = CONTROL_CHARACTERS[tried % len(CONTROL_CHARACTERS)]
            tried += 1
            response = client.get(path, {name: f"2026{char}12"})
            assert response.status_code == 400, (path, name, response.status_code)
        response = client.get(path, {f"{names[0]}\x00": "1"})
        assert response.status_code == 400, (path, response.status_code)
    assert tried > len(CONTROL_CHARACTERS)


@pytest.mark.parametrize("role", ["jobseeker", *STAFF_ROLES])
def test_control_characters_in_the_urls_each_role_uses_are_a_400(site, role):
    """Signed in, as the jobseeker (public URLs) or each staff role (admin URLs): every URL,
    with a control character in one of its segments (a different one per role) and in every
    query parameter at once."""
    client = site.client(role)
    shift = (["jobseeker", *STAFF_ROLES]).index(role)
    urls = [u for u in site.urls() if u[2] == (role in STAFF_ROLES)]
    for number, (path, _params, admin_url) in enumerate(urls):
        segments = path.split("/")
        index = 1 + (number + shift) % (len(segments) - 1)
        char = CONTROL_CHARACTERS[(number + shift) % len(CONTROL_CHARACTERS)]
        bad = "/".join(
            [*segments[:index], _with_char(segments[index], char), *segments[index + 1 :]]
        )
        assert client.get(quote(bad, safe="/")).status_code == 400, (role, bad)
        names = _query_names(site, path, admin_url)
        query = {name: f"x{CONTROL_CHARACTERS[i % 65]}" for i, name in enumerate(names)}
        assert client.get(path, query).status_code == 400, (role, path, query)


@pytest.mark.parametrize("role", [None, "jobseeker", "superuser"])
def test_calendar_edges_in_any_path_parameter_or_query_parameter_are_not_a_500(site, role):
    """Every parameter of every URL in a path or a query, as the visitor who reaches the page
    (a superuser sees every admin page and filter; each staff role draws from them below)."""
    client = site.client(role)
    for path, params, admin_url in site.urls():
        if admin_url != (role == "superuser"):
            continue
        segments = path.split("/")
        for index in params:
            for edge in CALENDAR_EDGES:
                bad = "/".join([*segments[:index], edge, *segments[index + 1 :]])
                response = _get(client, bad)
                assert response.status_code < 500, (role, bad, response.status_code)
        for number, name in enumerate(_query_names(site, path, admin_url)):
            edges = (
                CALENDAR_EDGES
                if DATE_LIKE.search(name)
                else [CALENDAR_EDGES[number % len(CALENDAR_EDGES)]]
            )
            for edge in edges:
                response = _get(client, path, {name: edge})
                assert response.status_code < 500, (role, path, name, edge)


EDGE_TEXT = st.one_of(
    st.sampled_from(CALENDAR_EDGES),
    st.dates().map(str),
    st.datetimes().map(str),
    st.integers().map(str),
    st.text(ANY_CHAR, max_size=20),
    st.builds(
        lambda head, char, tail: head + char + tail,
        st.text(max_size=5),
        st.sampled_from(CONTROL_CHARACTERS),
        st.text(max_size=5),
    ),
)


@FUZZ
@given(data=st.data())
def test_any_text_in_any_parameter_of_any_url_as_any_role(site, data):
    role = data.draw(st.sampled_from([*PUBLIC_ROLES, *STAFF_ROLES, "superuser"]))
    path, params, admin_url = data.draw(st.sampled_from(site.urls()))
    value = data.draw(EDGE_TEXT)
    if params and data.draw(st.booleans()):
        segments = path.split("/")
        segments[data.draw(st.sampled_from(params))] = quote(value, safe="") or "x"
        response = _get(site.client(role), "/".join(segments))
        where = ("path", "/".join(segments))
    else:
        name = data.draw(st.sampled_from(_query_names(site, path, admin_url)))
        response = _get(site.client(role), path, {name: value})
        where = ("query", path, name)
    assert response.status_code < 500, (role, where, value)
    if any(char in CONTROL_CHARACTERS for char in value):
        assert response.status_code == 400, (role, where, value)


# --- Dates typed into the staff's forms ------------------------------------------------------

TYPED_DATE = st.one_of(
    st.sampled_from(CALENDAR_EDGES),
    st.dates().map(str),
    st.dates(min_value=dt.date(2016, 1, 1), max_value=dt.date(2032, 12, 31)).map(str),
    TEXT,
)
TYPED_MOMENT = st.one_of(
    st.sampled_from([f"{edge}T00:00" for edge in CALENDAR_EDGES]),
    st.datetimes().map(lambda moment: moment.strftime("%Y-%m-%dT%H:%M")),
    st.datetimes(min_value=dt.datetime(2026, 11, 20), max_value=dt.datetime(2026, 12, 3)).map(
        lambda moment: moment.strftime("%Y-%m-%dT%H:%M")
    ),
    TEXT,
)


def _stored_dates_are_sensible(site: Site) -> None:
    from bookings.models import Slot, WeeklyAvailability
    from consent.models import TermsVersion
    from core.dates import CALL_MAX_AGE, CALL_SLACK, date_is_sensible
    from jobseekers.models import UsageExport
    from offices.models import OfficeClosedDay

    for day in OfficeClosedDay.objects.values_list("date", flat=True):
        assert date_is_sensible(day), day
    for moment in Slot.objects.values_list("starts_at", flat=True):
        assert date_is_sensible(moment), moment
    for day in WeeklyAvailability.objects.values_list("valid_from", flat=True):
        assert date_is_sensible(day), day
    for moment in TermsVersion.objects.values_list("effective_from", flat=True):
        assert date_is_sensible(moment), moment
    for since, until in UsageExport.objects.values_list("since", "until"):
        assert date_is_sensible(since) and date_is_sensible(until)
    for moment in Reservation.objects.values_list("late_notice_at", "cancel_called_at"):
        for called_at in filter(None, moment):
            assert NOW - CALL_MAX_AGE <= called_at <= NOW + CALL_SLACK, called_at
    valid_until = Jobseeker.objects.get(pk=site.world.jobseeker.pk).registration_valid_until
    assert valid_until == dt.date(2099, 12, 31) or date_is_sensible(valid_until)


@FUZZ
@given(day=TYPED_DATE, moment=TYPED_MOMENT)
def test_dates_typed_into_the_staff_forms_are_kept_in_range(site, day, moment):
    """The phone desk, verification, usage export and the admin's add forms of closed days,
    slots, weekly patterns and terms versions: never a 500, nothing stored out of range."""
    office = site.world.office
    staff = site.client("Office staff")
    superuser = site.client("superuser")
    pk = site.reservation.pk
    with time_machine.travel(NOW, tick=False):
        posts = [
            (staff, reverse("admin:bookings_reservation_phone", args=[pk]), {"action": "late"}),
            (
                staff,
                reverse("admin:bookings_reservation_phone", args=[pk]),
                {"action": "cancel", "confirm": "yes", "reason": "体調不良"},
            ),
        ]
        for client, url, data in posts:
            data = {**data, "caller": "本人", "called_at": moment}
            assert client.post(url, data).status_code < 500, (url, data)
        forms = [
            (
                staff,
                reverse("admin:jobseekers_jobseeker_verify", args=[site.world.jobseeker.pk]),
                {"valid_until": day},
            ),
            (
                site.client("Bureau administrator"),
                reverse("admin:jobseekers_usagerecord_export"),
                {"since": day, "until": day, "reason": "裁判所からの照会に基づく"},
            ),
            (
                superuser,
                reverse("admin:offices_officeclosedday_add"),
                {"office": office.pk, "date": day, "reason": "研修"},
            ),
            (
                superuser,
                reverse("admin:bookings_slot_add"),
                {"counselor": site.world.counselor.pk, "starts_at_0": day, "starts_at_1": "10:00"},
            ),
            (
                superuser,
                reverse("admin:bookings_weeklyavailability_add"),
                {
                    "counselor": site.world.counselor.pk,
                    "weekday": 2,
                    "start_time": "13:00",
                    "end_time": "15:00",
                    "valid_from": day,
                    "valid_until": "",
                },
            ),
            (
                superuser,
                reverse("admin:consent_termsversion_add"),
                {
                    "bureau": office.bureau.pk,
                    "label": "v9",
                    "effective_from_0": day,
                    "effective_from_1": "00:00",
                    "summary": "改定",
                    "body": "本文",
                },
            ),
        ]
        for client, url, data in forms:
            response = client.post(url, data)
            assert response.status_code < 500, (url, data, response.status_code)
        _stored_dates_are_sensible(site)
