"""Microsoft Teams at Graph's edge: client-credentials token, createOrGet, PATCH, DELETE."""

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
from meetings.providers.teams import TeamsProvider

from .conftest import START, credentials, meeting_request
from .fakes import TEAMS_USER, FakeGraph, error, fault, lost_answer


@pytest.fixture
def graph(edge) -> FakeGraph:
    return FakeGraph(edge)


@pytest.fixture
def provider(tokens) -> TeamsProvider:
    return TeamsProvider(credentials("teams"), tokens=tokens)


def test_create_makes_one_meeting_with_the_terms_settings(graph, provider):
    ref = provider.create(meeting_request(TEAMS_USER))
    (meeting,) = graph.meetings.values()
    assert ref == MeetingRef(
        provider_id=meeting["id"],
        join_url=meeting["joinWebUrl"],
        passcode="aB3dE5",
        host_account=TEAMS_USER,
    )
    # createOrGet takes no settings: the PATCH after it put the terms' on the meeting.
    assert meeting["lobbyBypassSettings"] == {"scope": "organizer", "isDialInBypassEnabled": False}
    assert meeting["allowRecording"] is False
    assert meeting["recordAutomatically"] is False
    assert meeting["allowedPresenters"] == "organizer"


def test_the_token_is_cached_until_shortly_before_it_expires(graph, provider, clock):
    provider.create(meeting_request(TEAMS_USER))
    provider.create(meeting_request(TEAMS_USER, reference="WXYZ-6789"))
    assert graph.routes["token"].call_count == 1
    clock.now += 3599
    provider.create(meeting_request(TEAMS_USER))
    assert graph.routes["token"].call_count == 2


def test_update_moves_the_meeting_and_keeps_its_url(graph, provider):
    ref = provider.create(meeting_request(TEAMS_USER))
    moved = provider.update(ref, meeting_request(TEAMS_USER, start=START + dt.timedelta(hours=3)))
    assert moved.join_url == ref.join_url
    assert graph.meetings[ref.provider_id]["startDateTime"] == "2026-12-01T04:00:00Z"
    assert graph.meetings[ref.provider_id]["endDateTime"] == "2026-12-01T04:30:00Z"


def test_delete_removes_the_meeting(graph, provider):
    ref = provider.create(meeting_request(TEAMS_USER))
    provider.delete(ref)
    assert graph.meetings == {}


def test_deleting_a_meeting_already_gone_is_success(graph, provider):
    ref = provider.create(meeting_request(TEAMS_USER))
    graph.meetings.clear()
    provider.delete(ref)
    assert graph.routes["delete"].call_count == 1


def test_a_meeting_whose_organizer_is_unknown_cannot_be_deleted(graph, provider):
    with pytest.raises(ConfigurationError):
        provider.delete(MeetingRef(provider_id="MSp1", join_url="https://teams.example/x"))


def test_updating_a_meeting_that_is_gone_is_not_found(graph, provider):
    ref = provider.create(meeting_request(TEAMS_USER))
    graph.meetings.clear()
    with pytest.raises(NotFound):
        provider.update(ref, meeting_request(TEAMS_USER))


def test_an_expired_client_secret_is_a_credential_error(graph, provider):
    graph.refuse_credentials()
    with pytest.raises(CredentialError) as caught:
        provider.create(meeting_request(TEAMS_USER))
    assert "teams token: status=401 code=invalid_client" in caught.value.detail


def test_403_without_an_application_access_policy_is_a_credential_error(graph, provider):
    fault(
        graph.routes["create"],
        error(403, {"error": {"code": "Forbidden", "message": "Application is not allowed."}}),
    )
    with pytest.raises(CredentialError) as caught:
        provider.create(meeting_request(TEAMS_USER))
    assert "status=403 code=Forbidden" in caught.value.detail


def test_401_with_a_fresh_token_too_is_a_credential_error(graph, provider):
    graph.routes["create"].mock(
        return_value=error(401, {"error": {"code": "InvalidAuthenticationToken"}})
    )
    with pytest.raises(CredentialError):
        provider.create(meeting_request(TEAMS_USER))
    assert graph.routes["token"].call_count == 2


def test_429_carries_retry_after(graph, provider):
    fault(
        graph.routes["create"],
        error(429, {"error": {"code": "TooManyRequests"}}, **{"Retry-After": "3"}),
    )
    with pytest.raises(RateLimited) as caught:
        provider.create(meeting_request(TEAMS_USER))
    assert caught.value.retry_after == 3.0


def test_5xx_is_transient(graph, provider):
    fault(graph.routes["update"], error(504, {"error": {"code": "GatewayTimeout"}}))
    with pytest.raises(Transient):
        provider.create(meeting_request(TEAMS_USER))


def test_a_timeout_is_transient(graph, provider):
    fault(graph.routes["token"], httpx.ConnectTimeout("slow"))
    with pytest.raises(Transient):
        provider.create(meeting_request(TEAMS_USER))


def test_a_create_retried_after_a_lost_answer_gets_the_same_meeting(graph, provider):
    lost_answer(graph.routes["create"])
    with pytest.raises(Transient):
        provider.create(meeting_request(TEAMS_USER))
    ref = provider.create(meeting_request(TEAMS_USER))
    assert len(graph.meetings) == 1
    assert ref.provider_id == next(iter(graph.meetings))
    # Graph found it by externalId: the second createOrGet answered 200 (found), not 201.
    assert graph.routes["create"].call_count == 2
    assert graph.routes["create"].calls.last.response.status_code == 200


def test_a_create_retried_after_the_patch_failed_applies_the_settings(graph, provider):
    fault(graph.routes["update"], error(503, {"error": {"code": "ServiceUnavailable"}}))
    with pytest.raises(Transient):
        provider.create(meeting_request(TEAMS_USER))
    (meeting,) = graph.meetings.values()
    assert meeting["allowRecording"] is True  # the tenant's default, not yet the terms'
    provider.create(meeting_request(TEAMS_USER))
    assert len(graph.meetings) == 1
    assert meeting["allowRecording"] is False


def test_a_meeting_found_at_another_time_is_moved(graph, provider):
    ref = provider.create(meeting_request(TEAMS_USER))
    provider.create(meeting_request(TEAMS_USER, start=START + dt.timedelta(days=2)))
    assert graph.meetings[ref.provider_id]["startDateTime"] == "2026-12-03T01:00:00Z"


def test_find_existing_answers_none_because_graph_has_no_lookup_by_key(graph, provider):
    provider.create(meeting_request(TEAMS_USER))
    assert provider.find_existing(meeting_request(TEAMS_USER)) is None


def test_an_unknown_user_is_a_setting_to_fix(graph, provider):
    with pytest.raises(ConfigurationError):
        provider.create(meeting_request("00000000-0000-0000-0000-000000000000"))


def test_a_failure_is_logged_without_any_secret(graph, provider, caplog):
    fault(graph.routes["token"], error(400, {"error": "invalid_request", "e": "ts3cr3t-XYZ"}))
    with caplog.at_level(logging.DEBUG), pytest.raises(CredentialError) as caught:
        provider.create(meeting_request(TEAMS_USER))
    for text in (caplog.text, str(caught.value), repr(provider.credentials)):
        assert "ts3cr3t-XYZ" not in text and TEAMS_USER not in text


def test_contract_token_request(graph, provider):
    provider.create(meeting_request(TEAMS_USER))
    request = graph.routes["token"].calls[0].request
    assert request.method == "POST"
    assert str(request.url) == "https://login.microsoftonline.com/tenant-1/oauth2/v2.0/token"
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert urllib.parse.parse_qs(request.content.decode()) == {
        "client_id": ["teams-client"],
        "client_secret": ["ts3cr3t-XYZ"],
        "scope": ["https://graph.microsoft.com/.default"],
        "grant_type": ["client_credentials"],
    }


def test_contract_create_or_get_and_patch_requests(graph, provider):
    ref = provider.create(meeting_request(TEAMS_USER))
    create = graph.routes["create"].calls[0].request
    assert create.method == "POST"
    assert create.url.path == f"/v1.0/users/{TEAMS_USER}/onlineMeetings/createOrGet"
    assert create.headers["Authorization"] == "Bearer graph-access-1"
    assert create.headers["Content-Type"] == "application/json"
    assert json.loads(create.content) == {
        "externalId": "hw-online-ABCD-2345",
        "startDateTime": "2026-12-01T01:00:00Z",
        "endDateTime": "2026-12-01T01:30:00Z",
        "subject": "ABCD-2345",
    }
    patch = graph.routes["update"].calls[0].request
    assert patch.method == "PATCH"
    assert patch.url.path == f"/v1.0/users/{TEAMS_USER}/onlineMeetings/{ref.provider_id}"
    assert json.loads(patch.content) == {
        "startDateTime": "2026-12-01T01:00:00Z",
        "endDateTime": "2026-12-01T01:30:00Z",
        "subject": "ABCD-2345",
        "lobbyBypassSettings": {"scope": "organizer", "isDialInBypassEnabled": False},
        "allowedPresenters": "organizer",
        "recordAutomatically": False,
        "allowRecording": False,
        "allowTranscription": False,
    }


def test_contract_delete_request(graph, provider):
    ref = provider.create(meeting_request(TEAMS_USER))
    provider.delete(ref)
    delete = graph.routes["delete"].calls[0].request
    assert delete.method == "DELETE"
    assert delete.url.path == f"/v1.0/users/{TEAMS_USER}/onlineMeetings/{ref.provider_id}"
    assert delete.headers["Authorization"].startswith("Bearer graph-access-")
