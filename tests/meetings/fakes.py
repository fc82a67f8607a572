"""Fake Zoom, Webex and Microsoft Graph edges: respx routes that keep meetings and answer with
the documented shapes (docs/meetings.md cites each). They check what a real service checks (the
token, the host account) so that a provider that sends the wrong thing fails here too.

A test breaks one step with `fault(route, answer)` (the next call answers `answer`, a response
or an exception) or `lost_answer(route)` (the service does the work, the answer never arrives:
the uncertain failure a retried task must not turn into a second meeting).
"""

import base64
import datetime as dt
import itertools
import json
import urllib.parse

import httpx

HOST = "counselor@office.example.go.jp"
TEAMS_USER = "5f0e6c1a-0000-4000-8000-00000000c0de"


def fault(route, answer) -> None:
    """The next request on `route` gets `answer`; the ones after it the usual answer."""
    usual = route.side_effect
    pending = [answer]

    def effect(request, **kwargs):
        if pending:
            answer = pending.pop()
            if isinstance(answer, BaseException) or (
                isinstance(answer, type) and issubclass(answer, BaseException)
            ):
                raise answer
            return answer
        return usual(request, **kwargs)

    route.side_effect = effect


def lost_answer(route) -> None:
    """The next request on `route` is carried out, and its answer lost (a read timeout)."""
    usual = route.side_effect
    pending = [True]

    def effect(request, **kwargs):
        response = usual(request, **kwargs)
        if pending:
            pending.pop()
            raise httpx.ReadTimeout("lost", request=request)
        return response

    route.side_effect = effect


def error(status: int, body: dict, **headers) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


class _Edge:
    def __init__(self) -> None:
        self.meetings: dict[str, dict] = {}
        self.valid_tokens: set[str] = set()
        self.issued = 0
        self.refusing = False

    def revoke_tokens(self) -> None:
        """Every token issued so far stops working (rotated or revoked before its time)."""
        self.valid_tokens.clear()

    def refuse_credentials(self) -> None:
        """The app's credentials are refused from now on (secret expired or app removed)."""
        self.refusing = True

    def _issue(self, prefix: str) -> str:
        self.issued += 1
        token = f"{prefix}-access-{self.issued}"
        self.valid_tokens.add(token)
        return token

    def _authorised(self, request: httpx.Request) -> bool:
        value = request.headers.get("Authorization", "")
        return value.startswith("Bearer ") and value[7:] in self.valid_tokens


class FakeZoom(_Edge):
    """Zoom's OAuth token endpoint and meetings API v2."""

    def __init__(self, edge, *, users=(HOST,)) -> None:
        super().__init__()
        self.users = set(users)
        self.ids = itertools.count(85746065432)
        api = {"host": "api.zoom.us"}
        self.routes = {
            "token": edge.post("https://zoom.us/oauth/token").mock(side_effect=self._token),
            "create": edge.post(**api, path__regex=r"^/v2/users/(?P<user>[^/]+)/meetings$").mock(
                side_effect=self._create
            ),
            "list": edge.get(**api, path__regex=r"^/v2/users/(?P<user>[^/]+)/meetings$").mock(
                side_effect=self._list
            ),
            "get": edge.get(**api, path__regex=r"^/v2/meetings/(?P<id>\d+)$").mock(
                side_effect=self._get
            ),
            "update": edge.patch(**api, path__regex=r"^/v2/meetings/(?P<id>\d+)$").mock(
                side_effect=self._update
            ),
            "delete": edge.delete(**api, path__regex=r"^/v2/meetings/(?P<id>\d+)$").mock(
                side_effect=self._delete
            ),
        }

    def _token(self, request):
        expected = base64.b64encode(b"zoom-client:zs3cr3t-XYZ").decode()
        if (
            self.refusing
            or request.headers.get("Authorization") != f"Basic {expected}"
            or request.url.params.get("grant_type") != "account_credentials"
            or request.url.params.get("account_id") != "acct-77"
        ):
            return error(
                400, {"reason": "Invalid client_id or client_secret", "error": "invalid_client"}
            )
        token = self._issue("zoom")
        return httpx.Response(
            200,
            json={
                "access_token": token,
                "token_type": "bearer",
                "expires_in": 3600,
                "scope": "meeting:write:admin meeting:read:admin",
                "api_url": "https://api.zoom.us",
            },
        )

    def _denied(self, request):
        if not self._authorised(request):
            return error(401, {"code": 124, "message": "Invalid access token."})
        return None

    def _no_user(self, user):
        if urllib.parse.unquote(user) not in self.users:
            return error(404, {"code": 1001, "message": f"User does not exist: {user}."})
        return None

    def _create(self, request, user):
        if answer := self._denied(request) or self._no_user(user):
            return answer
        body = json.loads(request.content)
        meeting_id = next(self.ids)
        meeting = {
            "uuid": f"uuid{meeting_id}==",
            "id": meeting_id,
            "host_id": "KDcuGIm1QgePTO8WbOqwIQ",
            "host_email": urllib.parse.unquote(user),
            "topic": body["topic"],
            "type": 2,
            "status": "waiting",
            "start_time": body["start_time"],
            "duration": body["duration"],
            "timezone": body["timezone"],
            "agenda": body.get("agenda", ""),
            "created_at": "2026-11-20T03:00:00Z",
            "start_url": f"https://zoom.us/s/{meeting_id}?zak=host-secret",
            "join_url": f"https://zoom.us/j/{meeting_id}?pwd=enc{meeting_id}",
            "password": body["password"],
            "h323_password": "123456",
            "pre_schedule": False,
            "settings": body["settings"],
        }
        self.meetings[str(meeting_id)] = meeting
        return httpx.Response(201, json=meeting)

    def _list(self, request, user):
        if answer := self._denied(request) or self._no_user(user):
            return answer
        listed = [
            {
                k: m[k]
                for k in (
                    "uuid",
                    "id",
                    "host_id",
                    "topic",
                    "type",
                    "start_time",
                    "duration",
                    "timezone",
                    "created_at",
                    "join_url",
                )
            }
            for m in self.meetings.values()
            if m["host_email"] == urllib.parse.unquote(user)
        ]
        return httpx.Response(
            200,
            json={
                "page_size": 300,
                "total_records": len(listed),
                "next_page_token": "",
                "meetings": listed,
            },
        )

    def _missing(self, meeting_id):
        return error(404, {"code": 3001, "message": f"Meeting does not exist: {meeting_id}."})

    def _get(self, request, id):
        if answer := self._denied(request):
            return answer
        if id not in self.meetings:
            return self._missing(id)
        return httpx.Response(200, json=self.meetings[id])

    def _update(self, request, id):
        if answer := self._denied(request):
            return answer
        if id not in self.meetings:
            return self._missing(id)
        body = json.loads(request.content)
        self.meetings[id].update(
            {k: body[k] for k in ("topic", "start_time", "duration") if k in body}
        )
        return httpx.Response(204)

    def _delete(self, request, id):
        if answer := self._denied(request):
            return answer
        if self.meetings.pop(id, None) is None:
            return self._missing(id)
        return httpx.Response(204)


class FakeWebex(_Edge):
    """Webex's access_token endpoint (refresh grant) and the meetings API."""

    def __init__(self, edge, *, hosts=(HOST,)) -> None:
        super().__init__()
        self.hosts = set(hosts)
        self.ids = itertools.count(1)
        self.refresh_token = "wrefresh-XYZ"
        api = {"host": "webexapis.com"}
        self.routes = {
            "token": edge.post("https://webexapis.com/v1/access_token").mock(
                side_effect=self._token
            ),
            "create": edge.post(**api, path="/v1/meetings").mock(side_effect=self._create),
            "list": edge.get(**api, path="/v1/meetings").mock(side_effect=self._list),
            "update": edge.put(**api, path__regex=r"^/v1/meetings/(?P<id>[^/]+)$").mock(
                side_effect=self._update
            ),
            "delete": edge.delete(**api, path__regex=r"^/v1/meetings/(?P<id>[^/]+)$").mock(
                side_effect=self._delete
            ),
        }

    def _token(self, request):
        form = urllib.parse.parse_qs(request.content.decode())
        if self.refusing or form != {
            "grant_type": ["refresh_token"],
            "client_id": ["webex-client"],
            "client_secret": ["ws3cr3t-XYZ"],
            "refresh_token": ["wrefresh-XYZ"],
        }:
            return error(
                400,
                {
                    "message": "The refresh token provided is expired, revoked, "
                    "malformed, or invalid.",
                    "trackingId": "ROUTER_0001",
                },
            )
        return httpx.Response(
            200,
            json={
                "access_token": self._issue("webex"),
                "expires_in": 1209599,
                "refresh_token": self.refresh_token,
                "refresh_token_expires_in": 7775999,
            },
        )

    def _denied(self, request):
        if not self._authorised(request):
            return error(
                401,
                {
                    "message": "The request requires a valid access token set in "
                    "the Authorization request header.",
                    "trackingId": "ROUTER_0002",
                },
            )
        return None

    def _no_host(self, host):
        if host not in self.hosts:
            return error(404, {"message": "Host not found.", "trackingId": "ROUTER_0003"})
        return None

    def _create(self, request):
        body = json.loads(request.content)
        if answer := self._denied(request) or self._no_host(body.get("hostEmail")):
            return answer
        meeting_id = f"870f51ff287b41be84648412901e0402{next(self.ids):04d}"
        meeting = {
            "id": meeting_id,
            "meetingNumber": "25661232960",
            "title": body["title"],
            "agenda": body.get("agenda", ""),
            "password": body["password"],
            "phoneAndVideoSystemPassword": "12345678",
            "meetingType": "meetingSeries",
            "state": "active",
            "timezone": body["timezone"],
            "start": body["start"],
            "end": body["end"],
            "hostEmail": body["hostEmail"],
            "hostDisplayName": "Counselor",
            "siteUrl": "hellowork.webex.com",
            "webLink": f"https://hellowork.webex.com/hellowork/j.php?MTID=m{meeting_id}",
            "sipAddress": "25661232960@hellowork.webex.com",
            "integrationTags": body.get("integrationTags", []),
            **{
                k: v
                for k, v in body.items()
                if k.startswith(("enable", "allow", "join", "public", "unlocked"))
            },
        }
        self.meetings[meeting_id] = meeting
        return httpx.Response(200, json=meeting)

    def _list(self, request):
        params = request.url.params
        if answer := self._denied(request) or self._no_host(params.get("hostEmail")):
            return answer
        items = [
            m
            for m in self.meetings.values()
            if params.get("integrationTag") in m["integrationTags"]
            and m["hostEmail"] == params.get("hostEmail")
        ]
        return httpx.Response(200, json={"items": items})

    def _missing(self):
        return error(404, {"message": "Meeting not found.", "trackingId": "ROUTER_0004"})

    def _update(self, request, id):
        if answer := self._denied(request):
            return answer
        if id not in self.meetings:
            return self._missing()
        body = json.loads(request.content)
        for required in ("title", "password", "start", "end"):
            if required not in body:
                return error(400, {"message": f"{required} is required.", "trackingId": "R5"})
        self.meetings[id].update(
            {k: body[k] for k in ("title", "password", "start", "end", "timezone")}
        )
        return httpx.Response(200, json=self.meetings[id])

    def _delete(self, request, id):
        if answer := self._denied(request):
            return answer
        if self.meetings.pop(id, None) is None:
            return self._missing()
        return httpx.Response(204)


class FakeGraph(_Edge):
    """The Microsoft identity platform's token endpoint and Graph's onlineMeetings."""

    def __init__(self, edge, *, users=(TEAMS_USER,)) -> None:
        super().__init__()
        self.users = set(users)
        self.ids = itertools.count(1)
        self.by_external_id: dict[str, str] = {}
        api = {"host": "graph.microsoft.com"}
        base = r"^/v1\.0/users/(?P<user>[^/]+)/onlineMeetings"
        self.routes = {
            "token": edge.post("https://login.microsoftonline.com/tenant-1/oauth2/v2.0/token").mock(
                side_effect=self._token
            ),
            "create": edge.post(**api, path__regex=base + "/createOrGet$").mock(
                side_effect=self._create_or_get
            ),
            "update": edge.patch(**api, path__regex=base + "/(?P<id>[^/]+)$").mock(
                side_effect=self._update
            ),
            "delete": edge.delete(**api, path__regex=base + "/(?P<id>[^/]+)$").mock(
                side_effect=self._delete
            ),
        }

    def _token(self, request):
        form = urllib.parse.parse_qs(request.content.decode())
        if self.refusing or form != {
            "client_id": ["teams-client"],
            "client_secret": ["ts3cr3t-XYZ"],
            "scope": ["https://graph.microsoft.com/.default"],
            "grant_type": ["client_credentials"],
        }:
            return error(
                401,
                {
                    "error": "invalid_client",
                    "error_description": "AADSTS7000215: Invalid client secret provided.",
                    "error_codes": [7000215],
                },
            )
        return httpx.Response(
            200,
            json={
                "token_type": "Bearer",
                "expires_in": 3599,
                "ext_expires_in": 3599,
                "access_token": self._issue("graph"),
            },
        )

    def _denied(self, request):
        if not self._authorised(request):
            return error(
                401,
                {
                    "error": {
                        "code": "InvalidAuthenticationToken",
                        "message": "Access token has expired or is not yet valid.",
                    }
                },
            )
        return None

    def _no_user(self, user):
        if user not in self.users:
            return error(
                404, {"error": {"code": "ResourceNotFound", "message": f"User {user} not found."}}
            )
        return None

    def _missing(self):
        return error(404, {"error": {"code": "NotFound", "message": "Meeting not found."}})

    def _create_or_get(self, request, user):
        if answer := self._denied(request) or self._no_user(user):
            return answer
        body = json.loads(request.content)
        known = self.by_external_id.get(body["externalId"])
        if known in self.meetings:
            return httpx.Response(200, json=self.meetings[known])
        meeting_id = f"MSpkYzE3Njc0Yy04MWQ5LTRhZGItYmZi{next(self.ids)}"
        meeting = {
            "id": meeting_id,
            "externalId": body["externalId"],
            "creationDateTime": "2026-11-20T03:00:00Z",
            "startDateTime": body["startDateTime"],
            "endDateTime": body["endDateTime"],
            "subject": body["subject"],
            "joinWebUrl": f"https://teams.microsoft.com/l/meetup-join/19%3ameeting_{meeting_id}",
            "joinMeetingIdSettings": {
                "isPasscodeRequired": True,
                "joinMeetingId": "1234567890",
                "passcode": "aB3dE5",
            },
            "lobbyBypassSettings": {"scope": "organization", "isDialInBypassEnabled": False},
            "allowedPresenters": "everyone",
            "recordAutomatically": False,
            "allowRecording": True,
            "allowTranscription": True,
            "participants": {
                "organizer": {"identity": {"user": {"id": user}}, "role": "presenter"}
            },
        }
        self.meetings[meeting_id] = meeting
        self.by_external_id[body["externalId"]] = meeting_id
        return httpx.Response(201, json=meeting)

    def _update(self, request, user, id):
        if answer := self._denied(request):
            return answer
        if id not in self.meetings:
            return self._missing()
        self.meetings[id].update(json.loads(request.content))
        return httpx.Response(200, json=self.meetings[id])

    def _delete(self, request, user, id):
        if answer := self._denied(request):
            return answer
        if self.meetings.pop(id, None) is None:
            return self._missing()
        return httpx.Response(204)


def at(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
