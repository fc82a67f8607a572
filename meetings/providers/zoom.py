"""Zoom: a Server-to-Server OAuth app of the bureau's Zoom account makes each meeting for the
counselor's Zoom user.

Token: POST https://zoom.us/oauth/token?grant_type=account_credentials&account_id=…, HTTP Basic
client_id:client_secret; the answer's access_token lives expires_in seconds (3600) and has no
refresh token. Meetings (REST API v2, https://api.zoom.us/v2):

| step | request | answer |
| --- | --- | --- |
| create | POST /users/{userId}/meetings | 201, the meeting (id, join_url, password) |
| update | PATCH /meetings/{meetingId} | 204; the join URL stays |
| delete | DELETE /meetings/{meetingId} | 204; 404 (code 3001) when already gone |
| find | GET /users/{userId}/meetings?type=scheduled, then GET /meetings/{meetingId} | the list, then the meeting with its password |

Zoom has no field for a key of ours, so the meeting is found by its topic, which is the
reference and nothing else.
"""

import datetime as dt
from urllib.parse import quote

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

TOKEN_URL = "https://zoom.us/oauth/token"  # noqa: S105 (an address, not a secret)
API = "https://api.zoom.us/v2"

# Pages of the host's scheduled meetings read when looking for one (300 each: Zoom's maximum).
PAGE_SIZE = 300
MAX_PAGES = 10


def meeting_settings() -> dict:
    """The terms on every meeting (Art 10: no recording). Local recording is allowed or not by
    the account's setting, which the API cannot change per meeting: docs/meetings.md says to
    turn it off there."""
    return {
        "waiting_room": True,
        "join_before_host": False,
        "auto_recording": "none",
        "approval_type": 2,  # no registration: the jobseeker joins with the link
        "meeting_authentication": False,  # jobseekers have no Zoom account
        "use_pmi": False,
        "mute_upon_entry": True,
        "private_meeting": True,
        "email_notification": False,
        "auto_start_meeting_summary": False,
        "auto_start_ai_companion_questions": False,
    }


def _utc(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class ZoomProvider(MeetingProvider):
    name = "zoom"

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
            params={
                "grant_type": "account_credentials",
                "account_id": self.credentials["account_id"],
            },
            auth=(self.credentials["client_id"], self.credentials["client_secret"]),
        )
        return token_from(response, self.http)

    def _body(self, request: MeetingRequest) -> dict:
        return {
            "topic": request.title,
            "type": 2,  # a scheduled meeting
            "start_time": _utc(request.start_utc),
            "duration": request.duration_minutes,
            "timezone": request.timezone,
            "agenda": "",
            "settings": meeting_settings(),
        }

    def _ref(self, meeting: dict, host: str) -> MeetingRef:
        try:
            return MeetingRef(
                provider_id=str(meeting["id"]),
                join_url=meeting["join_url"],
                passcode=meeting.get("password") or None,
                host_account=host,
            )
        except (KeyError, TypeError):
            raise self.http.fail(Transient, "read", "meeting without id or join_url") from None

    def _create(self, request: MeetingRequest) -> MeetingRef:
        host = require_host(request, self.name)
        body = self._body(request)
        body["password"] = new_passcode()
        body["default_password"] = False
        response = self.session.request(
            "POST",
            f"{API}/users/{quote(host, safe='@')}/meetings",
            operation="create",
            host_lookup=True,
            json=body,
        )
        return self._ref(self.http.json(response, "create"), host)

    def update(self, ref: MeetingRef, request: MeetingRequest) -> MeetingRef:
        self.session.request(
            "PATCH",
            f"{API}/meetings/{quote(ref.provider_id, safe='')}",
            operation="update",
            json=self._body(request),
        )
        return ref

    def delete(self, ref: MeetingRef) -> None:
        try:
            self.session.request(
                "DELETE",
                f"{API}/meetings/{quote(ref.provider_id, safe='')}",
                operation="delete",
                params={"schedule_for_reminder": "false", "cancel_meeting_reminder": "false"},
            )
        except NotFound:
            return

    def _find(self, request: MeetingRequest) -> Found | None:
        host = require_host(request, self.name)
        params = {"type": "scheduled", "page_size": PAGE_SIZE}
        for _ in range(MAX_PAGES):
            response = self.session.request(
                "GET",
                f"{API}/users/{quote(host, safe='@')}/meetings",
                operation="find",
                host_lookup=True,
                params=params,
            )
            page = self.http.json(response, "find")
            for meeting in page.get("meetings") or []:
                if meeting.get("topic") == request.title:
                    return self._found(meeting, host)
            token = page.get("next_page_token")
            if not token:
                return None
            params = {**params, "next_page_token": token}
        return None

    def _found(self, listed: dict, host: str) -> Found:
        # The list leaves out the password; the meeting itself has it.
        meeting_id = quote(str(listed.get("id", "")), safe="")
        response = self.session.request("GET", f"{API}/meetings/{meeting_id}", operation="find")
        meeting = self.http.json(response, "find")
        start = parse_utc(meeting.get("start_time", ""))
        if start is None:
            raise self.http.fail(Transient, "find", "meeting without start_time")
        return Found(self._ref(meeting, host), start, int(meeting.get("duration") or 0))
