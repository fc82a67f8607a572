"""Webex: a service app authorised by the bureau's Control Hub admin schedules each meeting
for the counselor (the host, by email).

Token: a service app's access token lasts 14 days and is renewed with its refresh token:
POST https://webexapis.com/v1/access_token, form grant_type=refresh_token, client_id,
client_secret, refresh_token. Meetings (https://webexapis.com/v1):

| step | request | answer |
| --- | --- | --- |
| create | POST /meetings with hostEmail and integrationTags | 200, the meeting (id, webLink, password) |
| update | PUT /meetings/{meetingId}: title, password, start, end are required | 200, the meeting; the link stays |
| delete | DELETE /meetings/{meetingId}?hostEmail=…&sendEmail=false | 204; 404 when already gone |
| find | GET /meetings?integrationTag=…&hostEmail=…&from=…&to=… | {"items": [...]} |

The integration tag is our key for the reservation (MeetingRequest.external_key), which Webex
stores on the meeting and filters by.
"""

import datetime as dt
import logging
from urllib.parse import quote
from zoneinfo import ZoneInfo

import httpx

from ..credentials import Credentials
from ..errors import NotFound, Transient
from ..http import TOKENS, BearerSession, ProviderHttp, TokenCache, token_from
from .base import (
    Found,
    MeetingProvider,
    MeetingRef,
    MeetingRequest,
    new_passcode,
    parse_utc,
    require_host,
)

logger = logging.getLogger("meetings")

TOKEN_URL = "https://webexapis.com/v1/access_token"  # noqa: S105 (an address, not a secret)
API = "https://webexapis.com/v1"

# How far around the request's time a meeting of the reservation is looked for (a meeting moved
# by staff stays the reservation's meeting).
FIND_WINDOW = dt.timedelta(days=90)


def meeting_settings() -> dict:
    """The terms on every meeting (Art 10: no recording)."""
    return {
        "enabledAutoRecordMeeting": False,
        "allowAnyUserToBeCoHost": False,
        "allowFirstUserToBeCoHost": False,
        "enabledJoinBeforeHost": False,
        "joinBeforeHostMinutes": 0,
        "enableConnectAudioBeforeHost": False,
        "publicMeeting": False,
        # The jobseeker is not an invitee (Webex never gets their address): they wait in the
        # lobby until the counselor admits them.
        "unlockedMeetingJoinSecurity": "allowJoinWithLobby",
        "excludePassword": False,
        "enabledBreakoutSessions": False,
        "sendEmail": False,
    }


def _local(value: dt.datetime, timezone: str) -> str:
    return value.astimezone(ZoneInfo(timezone)).isoformat(timespec="seconds")


class WebexProvider(MeetingProvider):
    name = "webex"

    def __init__(
        self,
        credentials: Credentials,
        *,
        client: httpx.Client | None = None,
        tokens: TokenCache = TOKENS,
    ) -> None:
        self.credentials = credentials
        self.http = ProviderHttp(self.name, client=client)
        self.session = BearerSession(
            self.http,
            key=(self.name, credentials.bureau, credentials["client_id"]),
            fetch=self._token,
            tokens=tokens,
        )

    def _token(self) -> tuple[str, float]:
        response = self.http.request(
            "POST",
            TOKEN_URL,
            operation="token",
            data={
                "grant_type": "refresh_token",
                "client_id": self.credentials["client_id"],
                "client_secret": self.credentials["client_secret"],
                "refresh_token": self.credentials["refresh_token"],
            },
        )
        renewed = self.http.json(response, "token").get("refresh_token")
        if isinstance(renewed, str) and renewed and renewed != self.credentials["refresh_token"]:
            logger.warning(
                "meetings: webex issued a new refresh token for bureau %s; the configured one "
                "still works until it expires, but put the new one in the secrets",
                self.credentials.bureau,
            )
        return token_from(response, self.http)

    def _body(self, request: MeetingRequest, host: str, password: str) -> dict:
        return {
            "title": request.title,
            "agenda": "",
            "start": _local(request.start_utc, request.timezone),
            "end": _local(request.end_utc, request.timezone),
            "timezone": request.timezone,
            "password": password,
            "hostEmail": host,
            "integrationTags": [request.external_key],
            **meeting_settings(),
        }

    def _ref(self, meeting: dict, host: str, operation: str) -> MeetingRef:
        if not isinstance(meeting.get("id"), str) or not isinstance(meeting.get("webLink"), str):
            raise self.http.fail(Transient, operation, "meeting without id or webLink")
        return MeetingRef(
            provider_id=meeting["id"],
            join_url=meeting["webLink"],
            passcode=meeting.get("password") or None,
            host_account=host,
        )

    def _create(self, request: MeetingRequest) -> MeetingRef:
        host = require_host(request, self.name)
        response = self.session.request(
            "POST",
            f"{API}/meetings",
            operation="create",
            host_lookup=True,
            json=self._body(request, host, new_passcode()),
        )
        return self._ref(self.http.json(response, "create"), host, "create")

    def update(self, ref: MeetingRef, request: MeetingRequest) -> MeetingRef:
        host = ref.host_account or require_host(request, self.name)
        # PUT replaces the meeting: the passcode the invitation carries is sent back unchanged.
        response = self.session.request(
            "PUT",
            f"{API}/meetings/{quote(ref.provider_id, safe='')}",
            operation="update",
            json=self._body(request, host, ref.passcode or new_passcode()),
        )
        return self._ref(self.http.json(response, "update"), host, "update")

    def delete(self, ref: MeetingRef) -> None:
        params = {"sendEmail": "false"}
        if ref.host_account:
            params["hostEmail"] = ref.host_account
        try:
            self.session.request(
                "DELETE",
                f"{API}/meetings/{quote(ref.provider_id, safe='')}",
                operation="delete",
                params=params,
            )
        except NotFound:
            return

    def _find(self, request: MeetingRequest) -> Found | None:
        host = require_host(request, self.name)
        response = self.session.request(
            "GET",
            f"{API}/meetings",
            operation="find",
            host_lookup=True,
            params={
                "integrationTag": request.external_key,
                "hostEmail": host,
                "meetingType": "meetingSeries",
                "from": _local(request.start_utc - FIND_WINDOW, request.timezone),
                "to": _local(request.end_utc + FIND_WINDOW, request.timezone),
                "max": 10,
            },
        )
        for meeting in self.http.json(response, "find").get("items") or []:
            if not isinstance(meeting, dict) or meeting.get("title") != request.title:
                continue
            start, end = parse_utc(meeting.get("start")), parse_utc(meeting.get("end"))
            if start is None or end is None:
                raise self.http.fail(Transient, "find", "meeting without start or end")
            minutes = int((end - start).total_seconds() // 60)
            return Found(self._ref(meeting, host, "find"), start, minutes)
        return None
