"""The two providers that make nothing at a video service (what the portal did before the
providers, notifications/services/meeting.py; `make run` uses them and stays offline).

- Personal room: the meeting is the counselor's fixed room; its URL is the request's
  `host_account`.
- URL template: a URL made per reservation from the office's template, whose `{token}` becomes
  128 random bits, so nobody joins by guessing the address.

Nothing exists at a service, so there is nothing to find, move or remove: `create` is the only
step that does anything, and `update` and `delete` keep or drop what the caller recorded.
"""

import secrets

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

from ..errors import ConfigurationError
from .base import Found, MeetingProvider, MeetingRef, MeetingRequest

# The same words as notifications/services/meeting.py, so staff read one message for one fault.
NO_COUNSELOR_ROOM = _("The counselor has no personal meeting room URL.")
NO_TEMPLATE_TOKEN = _("The office's meeting URL template has no {token}.")
INVALID_URL = _("The meeting URL is not a valid https URL.")

# What a reservation can hold (bookings.Reservation.meeting_url).
MAX_URL_LENGTH = 300

_https_only = URLValidator(schemes=["https"])


def checked_url(url: str, provider: str) -> str:
    try:
        _https_only(url)
    except ValidationError:
        raise ConfigurationError(f"{provider}: not an https URL", message=INVALID_URL) from None
    if len(url) > MAX_URL_LENGTH:
        raise ConfigurationError(f"{provider}: URL too long", message=INVALID_URL)
    return url


class PersonalRoomProvider(MeetingProvider):
    name = "personal_room"

    def _room(self, request: MeetingRequest) -> MeetingRef:
        url = request.host_account.strip()
        if not url:
            raise ConfigurationError(f"{self.name}: no room URL", message=NO_COUNSELOR_ROOM)
        return MeetingRef(provider_id="", join_url=checked_url(url, self.name))

    def _find(self, request: MeetingRequest) -> Found | None:
        return None

    def _create(self, request: MeetingRequest) -> MeetingRef:
        return self._room(request)

    def update(self, ref: MeetingRef, request: MeetingRequest) -> MeetingRef:
        # The room does not move with the time; the counselor's current room is the answer.
        return self._room(request)

    def delete(self, ref: MeetingRef) -> None:
        """The room is the counselor's and outlives the reservation."""


class UrlTemplateProvider(MeetingProvider):
    name = "url_template"

    def __init__(self, template: str) -> None:
        self.template = template.strip()

    def _find(self, request: MeetingRequest) -> Found | None:
        return None

    def _create(self, request: MeetingRequest) -> MeetingRef:
        if "{token}" not in self.template:
            raise ConfigurationError(f"{self.name}: no {{token}}", message=NO_TEMPLATE_TOKEN)
        # 128 bits: a meeting nobody can join by guessing its address.
        url = self.template.replace("{token}", secrets.token_urlsafe(16))
        return MeetingRef(provider_id="", join_url=checked_url(url, self.name))

    def update(self, ref: MeetingRef, request: MeetingRequest) -> MeetingRef:
        # The address does not depend on the time: the invitation keeps the same link.
        return ref

    def delete(self, ref: MeetingRef) -> None:
        """Nothing was made at a service; forgetting the URL is the caller's part."""
