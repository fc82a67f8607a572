"""The 500 and 503 pages (config/errors.py) and what a failed session save answers
(config/middleware.py): in the jobseeker's language, with the offices' phone numbers, without
the database."""

import sys

import pytest
from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.backends.db import SessionStore
from django.db import InterfaceError, OperationalError
from django.test import Client, RequestFactory

from bookings import contacts
from config.errors import LAST_RESORT, database_unavailable, server_error

CONTACTS = [
    {
        "bureau": "岡山労働局",
        "bureau_en": "Okayama Labour Bureau",
        "offices": [
            {
                "name": "ハローワーク岡山",
                "name_en": "Hello Work Okayama",
                "phone": "086-241-3222",
                "opens": "08:30",
                "closes": "17:15",
            }
        ],
    }
]


@pytest.fixture
def snapshot(monkeypatch):
    monkeypatch.setattr(contacts, "_snapshot", CONTACTS)


def _handled(error: Exception, **headers):
    request = RequestFactory().get("/book/date/", **headers)
    try:
        raise error
    except Exception:
        return server_error(request)


def test_the_database_restarting_is_a_503_in_japanese_with_the_phone_numbers(snapshot):
    # No `db` fixture: any query here would raise, and the page would be the last resort.
    response = _handled(OperationalError("the database system is starting up"))
    body = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response["Content-Language"] == "ja"
    assert body != LAST_RESORT
    assert '<html lang="ja">' in body
    assert "再起動" in body and "ハローワーク岡山" in body and "086-241-3222" in body
    assert "Hello Work" not in body.split("<main", 1)[1]  # a Japanese page shows no English


def test_the_jobseekers_language_comes_from_the_cookie_or_the_browser(snapshot, settings):
    by_cookie = _handled(
        InterfaceError("connection already closed"),
        HTTP_COOKIE=f"{settings.LANGUAGE_COOKIE_NAME}=en",
    )
    by_browser = _handled(
        OperationalError("server closed the connection unexpectedly"),
        HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9",
    )
    for response in (by_cookie, by_browser):
        body = response.content.decode()
        assert response.status_code == 503 and '<html lang="en">' in body
        assert "We are restarting" in body and "Hello Work Okayama" in body
        assert "再起動" not in body


def test_any_other_error_is_the_500_page(snapshot):
    response = _handled(KeyError("bug"))
    body = response.content.decode()
    assert response.status_code == 500
    assert "Retry-After" not in response
    assert "申し訳" in body and "086-241-3222" in body
    assert "Server Error (500)" not in body


def test_without_a_snapshot_the_page_says_where_the_number_is(monkeypatch, settings):
    monkeypatch.setattr(contacts, "_snapshot", None)
    settings.OFFICE_CONTACTS_SNAPSHOT = None
    body = _handled(KeyError("bug")).content.decode()
    assert "メール" in body


def test_a_database_error_is_found_behind_what_wrapped_it():
    try:
        try:
            raise OperationalError("terminating connection due to administrator command")
        except OperationalError as inner:
            raise RuntimeError("wrapped") from inner
    except RuntimeError:
        assert database_unavailable(sys.exc_info()[1])
    assert not database_unavailable(ValueError("no"))
    assert not database_unavailable(None)


# --- Through the real URLconf and middleware ---


@pytest.mark.django_db
def test_a_page_whose_database_is_away_answers_503(monkeypatch, snapshot):
    def unreachable():
        raise OperationalError("connection refused")

    monkeypatch.setattr("portal.views.office_list_public", unreachable)
    response = Client(raise_request_exception=False).get("/")
    assert response.status_code == 503
    assert "086-241-3222" in response.content.decode()


@pytest.mark.django_db
def test_a_bug_in_a_page_answers_the_500_page(monkeypatch, snapshot):
    def broken():
        raise ZeroDivisionError

    monkeypatch.setattr("portal.views.office_list_public", broken)
    response = Client(raise_request_exception=False).get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


def _session_save_fails(monkeypatch):
    def save(self, must_create=False):
        try:
            raise OperationalError("the database system is shutting down")
        except OperationalError:
            raise UpdateError() from None

    monkeypatch.setattr(SessionStore, "save", save)


@pytest.mark.django_db
def test_a_session_the_database_cannot_save_is_a_503_not_a_400(client, world, monkeypatch):
    from tests.bookings.conftest import sign_in_client

    sign_in_client(client, world.jobseeker, checklist=False)
    _session_save_fails(monkeypatch)
    client.raise_request_exception = False
    response = client.post("/book/checklist/", {key: "on" for key in _checklist_keys()})
    assert response.status_code == 503
    assert response["Retry-After"] == "30"


def _checklist_keys():
    from bookings.checklist import CHECKLIST_KEYS

    return CHECKLIST_KEYS


@pytest.fixture
def world(db):
    from tests.bookings.conftest import World

    return World()


# --- The snapshot of the offices' phone numbers ---


@pytest.mark.django_db
def test_the_snapshot_is_taken_from_the_database_and_kept_on_disk(tmp_path, monkeypatch, settings):
    from tests.factories import OfficeFactory

    settings.OFFICE_CONTACTS_SNAPSHOT = str(tmp_path / "contacts.json")
    settings.OFFICE_CONTACTS_REFRESH_SECONDS = 300
    monkeypatch.setattr(contacts, "_snapshot", None)
    monkeypatch.setattr(contacts, "_refreshed_at", None)
    OfficeFactory(name="ハローワーク倉敷", name_en="Hello Work Kurashiki", phone="086-424-3333")
    OfficeFactory(name="閉鎖した所", phone="000-0000-0000", is_active=False)
    assert Client().get("/").status_code == 200  # the middleware takes the snapshot
    assert not contacts.office_contacts_stale()
    monkeypatch.setattr(contacts, "_snapshot", None)  # a new process on the same machine
    kept = contacts.office_contacts()
    offices = [office for bureau in kept for office in bureau["offices"]]
    assert [(o["name"], o["phone"]) for o in offices] == [("ハローワーク倉敷", "086-424-3333")]
    assert offices[0]["opens"] == "08:30"


@pytest.mark.django_db
def test_a_changed_office_is_in_the_next_snapshot(settings, monkeypatch, tmp_path):
    from tests.factories import OfficeFactory

    settings.OFFICE_CONTACTS_SNAPSHOT = str(tmp_path / "contacts.json")
    settings.OFFICE_CONTACTS_REFRESH_SECONDS = 300
    office = OfficeFactory(phone="086-000-0001")
    contacts.office_contacts_refresh()
    assert not contacts.office_contacts_stale()
    office.phone = "086-000-0002"
    office.save()
    assert contacts.office_contacts_stale()
    Client().get("/")
    assert "086-000-0002" in str(contacts.office_contacts())
