"""Webex at its edge: the service app's token, the meetings API, and each failure."""

import datetime as dt
import json
import logging
import urllib.parse

import httpx
import pytest

from meetings.errors import (
    ConfigurationError,
    CredentialError,
    NotFound,
    RateLimited,
    Transient,
)
from meetings.providers.base import MeetingRef
from meetings.providers.webex import WebexProvider

from .conftest import START, credentials, meeting_request
from .fakes import HOST, FakeWebex, error, fault, lost_answer


@pytest.fixture
def webex(edge) -> FakeWebex:
    return FakeWebex(edge)


@pytest.fixture
def provider(tokens) -> WebexProvider:
    return WebexProvider(credentials("webex"), tokens=tokens)


def test_create_makes_one_meeting_and_returns_its_link_and_password(webex, provider):
    ref = provider.create(meeting_request(HOST))
    (meeting,) = webex.meetings.values()
    assert ref == MeetingRef(
        provider_id=meeting["id"],
        join_url=meeting["webLink"],
        passcode=meeting["password"],
        host_account=HOST,
    )
    assert meeting["start"] == "2026-12-01T10:00:00+09:00"
    assert meeting["end"] == "2026-12-01T10:30:00+09:00"


def test_the_token_lasts_until_shortly_before_its_14_days(webex, provider, clock):
    provider.create(meeting_request(HOST))
    clock.now += 1209599 - 61
    provider.create(meeting_request(HOST, reference="WXYZ-6789"))
    assert webex.routes["token"].call_count == 1
    clock.now += 2
    provider.find_existing(meeting_request(HOST))
    assert webex.routes["token"].call_count == 2


def test_a_new_refresh_token_is_reported_without_its_value(webex, provider, caplog):
    webex.refresh_token = "wrefresh-NEW-VALUE"
    with caplog.at_level(logging.WARNING, logger="meetings"):
        provider.create(meeting_request(HOST))
    assert "webex issued a new refresh token for bureau tokyo" in caplog.text
    assert "wrefresh-NEW-VALUE" not in caplog.text


def test_update_moves_the_meeting_and_keeps_link_and_password(webex, provider):
    ref = provider.create(meeting_request(HOST))
    moved = provider.update(ref, meeting_request(HOST, start=START + dt.timedelta(hours=2)))
    assert moved == ref
    assert webex.meetings[ref.provider_id]["start"] == "2026-12-01T12:00:00+09:00"


def test_delete_removes_the_meeting(webex, provider):
    ref = provider.create(meeting_request(HOST))
    provider.delete(ref)
    assert webex.meetings == {}


def test_deleting_a_meeting_already_gone_is_success(webex, provider):
    ref = provider.create(meeting_request(HOST))
    webex.meetings.clear()
    provider.delete(ref)
    assert webex.routes["delete"].call_count == 1


def test_updating_a_meeting_that_is_gone_is_not_found(webex, provider):
    ref = provider.create(meeting_request(HOST))
    webex.meetings.clear()
    with pytest.raises(NotFound):
        provider.update(ref, meeting_request(HOST))


def test_401_with_a_fresh_token_too_is_a_credential_error(webex, provider):
    webex.routes["list"].mock(
        return_value=error(401, {"message": "Unauthorized", "trackingId": "ROUTER_9"})
    )
    with pytest.raises(CredentialError) as caught:
        provider.create(meeting_request(HOST))
    assert caught.value.retryable is False
    assert webex.routes["token"].call_count == 2
    assert webex.routes["create"].call_count == 0


def test_a_revoked_refresh_token_is_a_credential_error(webex, provider):
    webex.refuse_credentials()
    with pytest.raises(CredentialError) as caught:
        provider.create(meeting_request(HOST))
    assert "webex token: status=400 code=ROUTER_0001" in caught.value.detail


def test_429_carries_retry_after(webex, provider):
    fault(
        webex.routes["create"],
        error(429, {"message": "Too Many Requests", "trackingId": "R"}, **{"Retry-After": "60"}),
    )
    with pytest.raises(RateLimited) as caught:
        provider.create(meeting_request(HOST))
    assert caught.value.retry_after == 60.0


def test_5xx_is_transient(webex, provider):
    fault(webex.routes["create"], error(503, {"message": "Service Unavailable"}))
    with pytest.raises(Transient):
        provider.create(meeting_request(HOST))


def test_a_timeout_is_transient(webex, provider):
    fault(webex.routes["list"], httpx.ReadTimeout("slow"))
    with pytest.raises(Transient):
        provider.create(meeting_request(HOST))


def test_a_meeting_already_made_is_found_by_its_tag_before_creating(webex, provider):
    first = provider.create(meeting_request(HOST))
    assert provider.create(meeting_request(HOST)) == first
    assert webex.routes["create"].call_count == 1


def test_a_create_retried_after_a_lost_answer_makes_no_second_meeting(webex, provider):
    lost_answer(webex.routes["create"])
    with pytest.raises(Transient):
        provider.create(meeting_request(HOST))
    ref = provider.create(meeting_request(HOST))
    assert len(webex.meetings) == 1
    assert webex.routes["create"].call_count == 1
    assert ref.join_url == next(iter(webex.meetings.values()))["webLink"]


def test_a_meeting_found_at_another_time_is_moved(webex, provider):
    ref = provider.create(meeting_request(HOST))
    provider.create(meeting_request(HOST, start=START + dt.timedelta(days=1)))
    assert webex.meetings[ref.provider_id]["start"] == "2026-12-02T10:00:00+09:00"
    assert webex.routes["update"].call_count == 1


def test_an_unknown_host_is_a_setting_to_fix(webex, provider):
    with pytest.raises(ConfigurationError):
        provider.create(meeting_request("nobody@office.example.go.jp"))


def test_a_failure_is_logged_without_any_secret(webex, provider, caplog):
    fault(webex.routes["token"], error(401, {"message": "echo ws3cr3t-XYZ wrefresh-XYZ"}))
    with caplog.at_level(logging.DEBUG), pytest.raises(CredentialError) as caught:
        provider.create(meeting_request(HOST))
    for text in (caplog.text, str(caught.value), repr(provider.credentials)):
        for secret in ("ws3cr3t-XYZ", "wrefresh-XYZ", HOST):
            assert secret not in text


def test_contract_token_request(webex, provider):
    provider.create(meeting_request(HOST))
    request = webex.routes["token"].calls[0].request
    assert request.method == "POST"
    assert str(request.url) == "https://webexapis.com/v1/access_token"
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert urllib.parse.parse_qs(request.content.decode()) == {
        "grant_type": ["refresh_token"],
        "client_id": ["webex-client"],
        "client_secret": ["ws3cr3t-XYZ"],
        "refresh_token": ["wrefresh-XYZ"],
    }


def test_contract_create_request(webex, provider):
    provider.create(meeting_request(HOST))
    request = webex.routes["create"].calls[0].request
    assert request.method == "POST"
    assert str(request.url) == "https://webexapis.com/v1/meetings"
    assert request.headers["Authorization"] == "Bearer webex-access-1"
    assert request.headers["Content-Type"] == "application/json"
    body = json.loads(request.content)
    assert body["title"] == "ABCD-2345"
    assert body["start"] == "2026-12-01T10:00:00+09:00"
    assert body["end"] == "2026-12-01T10:30:00+09:00"
    assert body["timezone"] == "Asia/Tokyo"
    assert body["hostEmail"] == HOST
    assert body["integrationTags"] == ["hw-online-ABCD-2345"]
    assert body["password"].isalnum() and len(body["password"]) == 10
    assert body["enabledAutoRecordMeeting"] is False
    assert body["enabledJoinBeforeHost"] is False
    assert body["joinBeforeHostMinutes"] == 0
    assert body["enableConnectAudioBeforeHost"] is False
    assert body["unlockedMeetingJoinSecurity"] == "allowJoinWithLobby"
    assert body["allowAnyUserToBeCoHost"] is False
    assert body["publicMeeting"] is False
    assert body["sendEmail"] is False
    assert "invitees" not in body  # Webex never gets the jobseeker's address


def test_contract_find_update_and_delete_requests(webex, provider):
    ref = provider.create(meeting_request(HOST))
    provider.update(ref, meeting_request(HOST, start=START + dt.timedelta(hours=1)))
    provider.delete(ref)
    listing = webex.routes["list"].calls[0].request
    assert listing.method == "GET" and listing.url.path == "/v1/meetings"
    params = listing.url.params
    assert params["integrationTag"] == "hw-online-ABCD-2345"
    assert params["hostEmail"] == HOST
    assert params["meetingType"] == "meetingSeries"
    assert params["from"] < "2026-12-01T10:00:00+09:00" < params["to"]
    update = webex.routes["update"].calls[0].request
    assert update.method == "PUT"
    assert update.url.path == f"/v1/meetings/{ref.provider_id}"
    body = json.loads(update.content)
    assert body["password"] == ref.passcode  # PUT replaces: the same password is sent back
    assert body["start"] == "2026-12-01T11:00:00+09:00"
    assert body["title"] == "ABCD-2345"
    assert body["enabledAutoRecordMeeting"] is False
    delete = webex.routes["delete"].calls[0].request
    assert delete.method == "DELETE"
    assert delete.url.path == f"/v1/meetings/{ref.provider_id}"
    assert dict(delete.url.params) == {"sendEmail": "false", "hostEmail": HOST}
