"""What every meeting provider takes and gives back, and the contract it keeps.

A provider makes, moves and removes the meeting of one reservation at one video service. It
knows nothing of reservations, offices or jobseekers: it is handed a `MeetingRequest` (the
reservation's reference, its time and the counselor's account on the service) and gives back a
`MeetingRef` (the service's id for the meeting, the join URL, the passcode). Recording the ref,
retrying, and telling staff are the caller's business.

The contract, for every provider:

- `create(request)` is idempotent. It first looks for the meeting already made for this
  reservation (`find_existing`: a task retried after an uncertain failure may have made it)
  and returns that one, moved to the request's time if it was elsewhere; only when there is
  none does it make a new one. Two calls never leave two meetings.
- `update(ref, request)` moves the meeting to the request's time (the join URL stays where the
  service keeps it) and applies the settings of the terms again.
- `delete(ref)` removes it; a meeting already gone counts as removed.
- Every meeting made follows the terms (Art 10, no recording): a waiting room or lobby, a
  passcode, no automatic recording, nobody in before the host, and a title that is the
  reference and nothing else (no name, no number, no address).
"""

import datetime as dt
import re
import secrets
import string
from abc import ABC, abstractmethod
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..errors import ConfigurationError

TOKYO = "Asia/Tokyo"

# A reservation reference (bookings/tokens.py: "ABCD-2345"); nothing that could be a name.
_REFERENCE = re.compile(r"[A-Za-z0-9-]{1,32}")


@dataclass(frozen=True)
class MeetingRequest:
    """One reservation's meeting, as a provider needs it; no personal data.

    `host_account` is the counselor's account on the service: a Zoom user id or email, the
    Webex host's email, the Microsoft Entra object id of the Teams user; for the personal-room
    provider, the counselor's room URL.
    """

    reference: str
    start: dt.datetime
    duration_minutes: int
    host_account: str
    timezone: str = TOKYO

    def __post_init__(self) -> None:
        if not _REFERENCE.fullmatch(self.reference):
            raise ValueError("reference must be a reservation reference (letters, digits, -)")
        if self.start.tzinfo is None or self.start.utcoffset() is None:
            raise ValueError("start must be an aware datetime")
        if self.duration_minutes <= 0:
            raise ValueError("duration_minutes must be positive")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"timezone {self.timezone!r} is not a time zone") from None

    @property
    def start_utc(self) -> dt.datetime:
        return self.start.astimezone(dt.UTC)

    @property
    def end_utc(self) -> dt.datetime:
        return self.start_utc + dt.timedelta(minutes=self.duration_minutes)

    @property
    def title(self) -> str:
        """The meeting's title at the service: the reference only."""
        return self.reference

    @property
    def external_key(self) -> str:
        """A key the services can store and search by (Webex integration tag, Graph
        externalId): stable for the reservation, whatever its time."""
        return f"hw-online-{self.reference}"


@dataclass(frozen=True)
class MeetingRef:
    """A meeting at a service, as the caller records it to move or remove it later.

    `provider_id` is the service's id for it, empty for the providers that make nothing at a
    service (personal room, URL template); `host_account` is the account it was made for (Webex
    and Graph need it again to change or delete the meeting)."""

    provider_id: str
    join_url: str
    passcode: str | None = None
    host_account: str = ""


@dataclass(frozen=True)
class Found:
    """A meeting found at the service, with the time it is set for there."""

    ref: MeetingRef
    start_utc: dt.datetime
    duration_minutes: int

    def matches(self, request: MeetingRequest) -> bool:
        return (
            self.start_utc == request.start_utc
            and self.duration_minutes == request.duration_minutes
        )


class MeetingProvider(ABC):
    """The interface; see the module docstring for the contract."""

    #: The name the office setting, the secrets and the logs use.
    name: str = ""

    def create(self, request: MeetingRequest) -> MeetingRef:
        found = self._find(request)
        if found is None:
            return self._create(request)
        if found.matches(request):
            return found.ref
        return self.update(found.ref, request)

    def find_existing(self, request: MeetingRequest) -> MeetingRef | None:
        """The meeting already made for this request's reservation, or None."""
        found = self._find(request)
        return found.ref if found else None

    @abstractmethod
    def update(self, ref: MeetingRef, request: MeetingRequest) -> MeetingRef: ...

    @abstractmethod
    def delete(self, ref: MeetingRef) -> None: ...

    @abstractmethod
    def _find(self, request: MeetingRequest) -> Found | None: ...

    @abstractmethod
    def _create(self, request: MeetingRequest) -> MeetingRef: ...


def new_passcode(length: int = 10) -> str:
    """A meeting passcode every service accepts: letters and digits only (Zoom allows at most
    10 characters), with at least one upper-case letter, one lower-case letter and one digit
    (what Webex sites with the strict password rule ask for)."""
    alphabet = string.ascii_letters + string.digits
    while True:
        code = "".join(secrets.choice(alphabet) for _ in range(length))
        if (
            any(c.islower() for c in code)
            and any(c.isupper() for c in code)
            and any(c.isdigit() for c in code)
        ):
            return code


def require_host(request: MeetingRequest, provider: str) -> str:
    host = request.host_account.strip()
    if not host:
        raise ConfigurationError(f"{provider}: the counselor has no account on the service")
    return host


def parse_utc(value: object) -> dt.datetime | None:
    """A service's ISO 8601 time ("…Z" or with an offset) in UTC; None when it is not one."""
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(dt.UTC) if parsed.tzinfo else None
