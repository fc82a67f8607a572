"""The video services' edge, faked with respx: every request the providers send is answered by
a route shaped like the service's documented answer; a request no route expects fails the test."""

import datetime as dt

import pytest
import respx

from meetings.credentials import Credentials
from meetings.http import TokenCache
from meetings.providers.base import MeetingRequest

# 2026-12-01 10:00 in Tokyo: a consultation slot.
START = dt.datetime(2026, 12, 1, 1, 0, tzinfo=dt.UTC)

SECRETS = {
    "zoom": {"account_id": "acct-77", "client_id": "zoom-client", "client_secret": "zs3cr3t-XYZ"},
    "webex": {
        "client_id": "webex-client",
        "client_secret": "ws3cr3t-XYZ",
        "refresh_token": "wrefresh-XYZ",
    },
    "teams": {"tenant_id": "tenant-1", "client_id": "teams-client", "client_secret": "ts3cr3t-XYZ"},
}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def tokens(clock) -> TokenCache:
    return TokenCache(clock=clock)


@pytest.fixture
def edge():
    with respx.mock(assert_all_called=False) as mock:
        yield mock


def credentials(provider: str, bureau: str = "tokyo") -> Credentials:
    return Credentials(bureau, provider, SECRETS[provider])


def meeting_request(
    host: str, *, start: dt.datetime = START, minutes: int = 30, reference: str = "ABCD-2345"
) -> MeetingRequest:
    return MeetingRequest(
        reference=reference, start=start, duration_minutes=minutes, host_account=host
    )
