"""Zoom at its edge: token, create, update, delete and every failure the task must tell apart."""

import base64
import datetime as dt
import json
import logging

import httpx
import pytest

from meetings.errors import (
    ConfigurationError,
    CredentialError,
    RateLimited,
    Transient,
)
from meetings.providers.base import MeetingRef
from meetings.providers.zoom import ZoomProvider

from .conftest import START, credentials, meeting_request
from .fakes import HOST, FakeZoom, error, fault, lost_answer


@pytest.fixture
def zoom(edge) -> FakeZoom:
    return FakeZoom(edge)


@pytest.fixture
def provider(tokens) -> ZoomProvider:
    return ZoomProvider(credentials("zoom"), tokens=tokens)


def test_create_makes_one_meeting_and_returns_its_join_url_and_passcode(zoom, provider):
    ref = provider.create(meeting_request(HOST))
    (meeting,) = zoom.meetings.values()
    assert ref == MeetingRef(
        provider_id=str(meeting["id"]),
        join_url=meeting["join_url"],
        passcode=meeting["password"],
        host_account=HOST,
    )
    assert meeting["start_time"] == "2026-12-01T01:00:00Z"
    assert zoom.routes["create"].call_count == 1


def test_the_token_is_asked_once_and_again_only_when_it_is_about_to_expire(zoom, provider, clock):
    provider.create(meeting_request(HOST))
    provider.create(meeting_request(HOST, reference="WXYZ-6789"))
    assert zoom.routes["token"].call_count == 1
    clock.now += 3600 - 61
    provider.find_existing(meeting_request(HOST))
    assert zoom.routes["token"].call_count == 1
    clock.now += 2  # within the minute before expiry: a new token
    provider.find_existing(meeting_request(HOST))
    assert zoom.routes["token"].call_count == 2


def test_the_token_is_per_bureau_credentials(zoom, tokens):
    ZoomProvider(credentials("zoom", "tokyo"), tokens=tokens).create(meeting_request(HOST))
    ZoomProvider(credentials("zoom", "osaka"), tokens=tokens).find_existing(meeting_request(HOST))
    assert zoom.routes["token"].call_count == 2


def test_update_moves_the_meeting_and_keeps_its_url(zoom, provider):
    ref = provider.create(meeting_request(HOST))
    moved = provider.update(ref, meeting_request(HOST, start=START + dt.timedelta(hours=2)))
    assert moved == ref
    assert zoom.meetings[ref.provider_id]["start_time"] == "2026-12-01T03:00:00Z"
    assert zoom.routes["create"].call_count == 1


def test_delete_removes_the_meeting(zoom, provider):
    ref = provider.create(meeting_request(HOST))
    provider.delete(ref)
    assert zoom.meetings == {}


def test_deleting_a_meeting_already_gone_is_success(zoom, provider, caplog):
    ref = provider.create(meeting_request(HOST))
    del zoom.meetings[ref.provider_id]
    with caplog.at_level(logging.WARNING, logger="meetings"):
        provider.delete(ref)
    assert zoom.routes["delete"].call_count == 1
    assert caplog.records == []


def test_updating_a_meeting_that_is_gone_is_not_found(zoom, provider):
    from meetings.errors import NotFound

    ref = provider.create(meeting_request(HOST))
    del zoom.meetings[ref.provider_id]
    with pytest.raises(NotFound):
        provider.update(ref, meeting_request(HOST))


def test_a_token_revoked_early_is_replaced_once_and_quietly(zoom, provider, caplog):
    provider.create(meeting_request(HOST))
    zoom.revoke_tokens()
    with caplog.at_level(logging.WARNING, logger="meetings"):
        provider.create(meeting_request(HOST, reference="WXYZ-6789"))
    assert zoom.routes["token"].call_count == 2
    assert len(zoom.meetings) == 2
    assert caplog.records == []


def test_401_with_a_fresh_token_too_is_a_credential_error_not_retried(zoom, provider):
    # The app was deactivated: its tokens are issued but no longer accepted.
    zoom.routes["list"].mock(return_value=error(401, {"code": 124, "message": "Invalid token."}))
    with pytest.raises(CredentialError) as caught:
        provider.create(meeting_request(HOST))
    assert caught.value.retryable is False
    assert caught.value.status == 401
    assert zoom.routes["token"].call_count == 2  # the cached token, then one fresh one
    assert zoom.routes["list"].call_count == 2
    assert zoom.routes["create"].call_count == 0


def test_refused_client_credentials_are_a_credential_error(zoom, provider):
    zoom.refuse_credentials()
    with pytest.raises(CredentialError) as caught:
        provider.create(meeting_request(HOST))
    assert "status=400 code=invalid_client" in caught.value.detail


def test_403_missing_scope_is_a_credential_error(zoom, provider):
    fault(
        zoom.routes["list"],
        error(403, {"code": 104, "message": "Invalid access token, does not contain scopes."}),
    )
    with pytest.raises(CredentialError):
        provider.create(meeting_request(HOST))


def test_429_carries_retry_after(zoom, provider):
    fault(
        zoom.routes["create"],
        error(429, {"code": 429, "message": "Too many requests."}, **{"Retry-After": "7"}),
    )
    with pytest.raises(RateLimited) as caught:
        provider.create(meeting_request(HOST))
    assert caught.value.retry_after == 7.0
    assert caught.value.retryable is True


def test_429_with_a_date_is_read_against_the_services_clock(zoom, provider):
    fault(
        zoom.routes["create"],
        error(
            429,
            {"code": 429, "message": "Too many requests."},
            **{
                "Retry-After": "Tue, 01 Dec 2026 00:00:30 GMT",
                "Date": "Tue, 01 Dec 2026 00:00:00 GMT",
            },
        ),
    )
    with pytest.raises(RateLimited) as caught:
        provider.create(meeting_request(HOST))
    assert caught.value.retry_after == 30.0


@pytest.mark.parametrize("status", [500, 502, 503])
def test_5xx_is_transient(zoom, provider, status):
    fault(zoom.routes["create"], httpx.Response(status, text="<html>Bad gateway</html>"))
    with pytest.raises(Transient) as caught:
        provider.create(meeting_request(HOST))
    assert caught.value.retryable is True
    assert f"status={status}" in caught.value.detail


@pytest.mark.parametrize("exc", [httpx.ConnectTimeout, httpx.ReadTimeout, httpx.ConnectError])
def test_a_timeout_or_a_failed_connection_is_transient(zoom, provider, exc):
    fault(zoom.routes["token"], exc("boom"))
    with pytest.raises(Transient):
        provider.create(meeting_request(HOST))


def test_a_meeting_already_made_is_found_before_creating(zoom, provider):
    first = provider.create(meeting_request(HOST))
    again = provider.create(meeting_request(HOST))
    assert again == first
    assert zoom.routes["create"].call_count == 1
    assert provider.find_existing(meeting_request(HOST)) == first


def test_a_create_retried_after_a_lost_answer_makes_no_second_meeting(zoom, provider):
    lost_answer(zoom.routes["create"])
    with pytest.raises(Transient):
        provider.create(meeting_request(HOST))
    assert len(zoom.meetings) == 1  # Zoom made it; we never heard
    ref = provider.create(meeting_request(HOST))
    assert len(zoom.meetings) == 1
    assert zoom.routes["create"].call_count == 1
    assert ref.passcode == next(iter(zoom.meetings.values()))["password"]


def test_a_meeting_found_at_another_time_is_moved_to_the_requests(zoom, provider):
    ref = provider.create(meeting_request(HOST))
    again = provider.create(meeting_request(HOST, start=START + dt.timedelta(hours=1)))
    assert again.provider_id == ref.provider_id
    assert zoom.meetings[ref.provider_id]["start_time"] == "2026-12-01T02:00:00Z"
    assert zoom.routes["update"].call_count == 1


def test_an_unknown_zoom_user_is_a_setting_to_fix(zoom, provider):
    with pytest.raises(ConfigurationError):
        provider.create(meeting_request("someone-else@office.example.go.jp"))


def test_a_failure_is_logged_without_any_secret(zoom, provider, caplog):
    # The worst case: a service that echoes what it was sent.
    fault(
        zoom.routes["token"],
        error(401, {"error": "invalid_client", "echo": "zs3cr3t-XYZ zoom-client"}),
    )
    with caplog.at_level(logging.DEBUG), pytest.raises(CredentialError) as caught:
        provider.create(meeting_request(HOST))
    basic = base64.b64encode(b"zoom-client:zs3cr3t-XYZ").decode()
    for text in (caplog.text, str(caught.value), repr(caught.value), repr(provider.credentials)):
        for secret in ("zs3cr3t-XYZ", basic, "acct-77", HOST):
            assert secret not in text
    assert "zoom token: status=401 code=invalid_client" in caplog.text


def test_contract_token_request(zoom, provider):
    provider.create(meeting_request(HOST))
    request = zoom.routes["token"].calls[0].request
    assert request.method == "POST"
    assert request.url.host == "zoom.us" and request.url.path == "/oauth/token"
    assert dict(request.url.params) == {
        "grant_type": "account_credentials",
        "account_id": "acct-77",
    }
    expected = base64.b64encode(b"zoom-client:zs3cr3t-XYZ").decode()
    assert request.headers["Authorization"] == f"Basic {expected}"


def test_contract_create_request(zoom, provider):
    provider.create(meeting_request(HOST))
    request = zoom.routes["create"].calls[0].request
    assert request.method == "POST"
    assert request.url.path == f"/v2/users/{HOST}/meetings"
    assert request.headers["Authorization"] == "Bearer zoom-access-1"
    assert request.headers["Content-Type"] == "application/json"
    body = json.loads(request.content)
    assert body["topic"] == "ABCD-2345"  # the reference and nothing else
    assert body["type"] == 2
    assert body["start_time"] == "2026-12-01T01:00:00Z"
    assert body["duration"] == 30
    assert body["timezone"] == "Asia/Tokyo"
    assert body["password"].isalnum() and len(body["password"]) == 10
    assert body["default_password"] is False
    settings = body["settings"]
    assert settings["waiting_room"] is True
    assert settings["join_before_host"] is False
    assert settings["auto_recording"] == "none"
    assert settings["approval_type"] == 2
    assert settings["use_pmi"] is False
    assert settings["auto_start_meeting_summary"] is False


def test_contract_update_list_and_delete_requests(zoom, provider):
    ref = provider.create(meeting_request(HOST))
    provider.update(ref, meeting_request(HOST, start=START + dt.timedelta(hours=1)))
    provider.delete(ref)
    listing = zoom.routes["list"].calls[0].request
    assert listing.method == "GET"
    assert listing.url.path == f"/v2/users/{HOST}/meetings"
    assert listing.url.params["type"] == "scheduled"
    update = zoom.routes["update"].calls[0].request
    assert update.method == "PATCH"
    assert update.url.path == f"/v2/meetings/{ref.provider_id}"
    body = json.loads(update.content)
    assert body["start_time"] == "2026-12-01T02:00:00Z" and body["duration"] == 30
    assert body["settings"]["waiting_room"] is True
    assert body["settings"]["auto_recording"] == "none"
    assert "password" not in body  # the invitation's passcode stays
    delete = zoom.routes["delete"].calls[0].request
    assert delete.method == "DELETE"
    assert delete.url.path == f"/v2/meetings/{ref.provider_id}"
    for request in (listing, update, delete):
        assert request.headers["Authorization"].startswith("Bearer zoom-access-")
