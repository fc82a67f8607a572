"""Microsoft Teams: an Entra ID app registration with the application permission
OnlineMeetings.ReadWrite.All makes each online meeting for the counselor's Teams user, which an
application access policy allows it to act for.

Token: client credentials, POST https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token,
form client_id, client_secret, scope=https://graph.microsoft.com/.default,
grant_type=client_credentials. Online meetings (https://graph.microsoft.com/v1.0):

| step | request | answer |
| --- | --- | --- |
| create | POST /users/{userId}/onlineMeetings/createOrGet with externalId, then PATCH the settings | 201 made, 200 already there; then 200 |
| update | PATCH /users/{userId}/onlineMeetings/{meetingId} | 200, the meeting; joinWebUrl stays |
| delete | DELETE /users/{userId}/onlineMeetings/{meetingId} | 204; 404 when already gone |

Graph lets an application look up an online meeting only by its join URL or join meeting id,
not by a key of ours, so there is no separate look-up: createOrGet is the idempotent create
(the same externalId gives back the same meeting), and the PATCH after it both applies the
terms (createOrGet takes only the time, subject and externalId) and moves a meeting found at
another time. `find_existing` therefore answers None, and `create` never needs it.
"""

import datetime as dt
from urllib.parse import quote

import httpx

from ..credentials import Credentials
from ..errors import ConfigurationError, NotFound, Transient
from ..http import TOKENS, BearerSession, ProviderHttp, TokenCache, token_from
from .base import Found, MeetingProvider, MeetingRef, MeetingRequest, require_host

LOGIN = "https://login.microsoftonline.com"
API = "https://graph.microsoft.com/v1.0"
SCOPE = "https://graph.microsoft.com/.default"


def meeting_settings() -> dict:
    """The terms on every meeting (Art 10: no recording)."""
    return {
        # Only the organizer skips the lobby; the jobseeker waits there to be admitted, which
        # is also what keeps anyone out before the counselor is there.
        "lobbyBypassSettings": {"scope": "organizer", "isDialInBypassEnabled": False},
        "allowedPresenters": "organizer",
        "recordAutomatically": False,
        "allowRecording": False,
        "allowTranscription": False,
    }


def _utc(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class TeamsProvider(MeetingProvider):
    name = "teams"

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
            key=(self.name, credentials.bureau, credentials["tenant_id"], credentials["client_id"]),
            fetch=self._token,
            tokens=tokens,
        )

    def _token(self) -> tuple[str, float]:
        tenant = quote(self.credentials["tenant_id"], safe="")
        response = self.http.request(
            "POST",
            f"{LOGIN}/{tenant}/oauth2/v2.0/token",
            operation="token",
            data={
                "client_id": self.credentials["client_id"],
                "client_secret": self.credentials["client_secret"],
                "scope": SCOPE,
                "grant_type": "client_credentials",
            },
        )
        return token_from(response, self.http)

    def _meetings(self, host: str) -> str:
        return f"{API}/users/{quote(host, safe='')}/onlineMeetings"

    def _ref(self, meeting: dict, host: str, operation: str) -> MeetingRef:
        if not isinstance(meeting.get("id"), str) or not isinstance(meeting.get("joinWebUrl"), str):
            raise self.http.fail(Transient, operation, "meeting without id or joinWebUrl")
        settings = meeting.get("joinMeetingIdSettings")
        passcode = settings.get("passcode") if isinstance(settings, dict) else None
        return MeetingRef(
            provider_id=meeting["id"],
            join_url=meeting["joinWebUrl"],
            passcode=passcode or None,
            host_account=host,
        )

    def create(self, request: MeetingRequest) -> MeetingRef:
        host = require_host(request, self.name)
        response = self.session.request(
            "POST",
            f"{self._meetings(host)}/createOrGet",
            operation="create",
            host_lookup=True,
            json={
                "externalId": request.external_key,
                "startDateTime": _utc(request.start_utc),
                "endDateTime": _utc(request.end_utc),
                "subject": request.title,
            },
        )
        made = self._ref(self.http.json(response, "create"), host, "create")
        return self.update(made, request)

    def _find(self, request: MeetingRequest) -> Found | None:
        return None

    def _create(self, request: MeetingRequest) -> MeetingRef:
        return self.create(request)

    def update(self, ref: MeetingRef, request: MeetingRequest) -> MeetingRef:
        host = ref.host_account or require_host(request, self.name)
        response = self.session.request(
            "PATCH",
            f"{self._meetings(host)}/{quote(ref.provider_id, safe='')}",
            operation="update",
            json={
                # Graph moves a meeting only when given both ends.
                "startDateTime": _utc(request.start_utc),
                "endDateTime": _utc(request.end_utc),
                "subject": request.title,
                **meeting_settings(),
            },
        )
        return self._ref(self.http.json(response, "update"), host, "update")

    def delete(self, ref: MeetingRef) -> None:
        if not ref.host_account:
            raise ConfigurationError(f"{self.name} delete: the meeting's organizer is not known")
        try:
            self.session.request(
                "DELETE",
                f"{self._meetings(ref.host_account)}/{quote(ref.provider_id, safe='')}",
                operation="delete",
            )
        except NotFound:
            return
