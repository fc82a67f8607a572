"""The meeting URL a reservation's invitation carries (Art 6(3)).

Per office: the counselor's personal room URL, or a URL made per reservation from the office's
template with an unguessable part. When none can be had, the reason is kept on the reservation
(staff see it in the admin list of invitations not sent) and no email with a broken link goes out.

An office on Zoom, Webex or Teams gets no URL here: the meeting is made at the service by a
Celery task after the booking commits (notifications/services/meeting.py, docs/meetings.md);
until then the reservation says it waits for it (`MEETING_PENDING`).
"""

import secrets

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext_noop

from offices.models import ONLINE_MEETING_MODES, MeetingUrlMode, Office

from .models import Reservation, Slot

# Stored on the reservation in English (gettext_noop) and translated where staff read them.
NO_COUNSELOR_ROOM = gettext_noop("The counselor has no personal meeting room URL.")
NO_TEMPLATE_TOKEN = gettext_noop("The office's meeting URL template has no {token}.")
INVALID_URL = gettext_noop("The meeting URL is not a valid https URL.")
MEETING_PENDING = gettext_noop("Waiting for the video service to make the meeting.")

_https_only = URLValidator(schemes=["https"])


def meeting_url_valid(url: str) -> bool:
    try:
        _https_only(url)
    except ValidationError:
        return False
    return len(url) <= Reservation._meta.get_field("meeting_url").max_length


def meeting_made_online(office: Office) -> bool:
    """Whether the office's meetings are made at a video service (after commit, by a task)."""
    return office.meeting_url_mode in ONLINE_MEETING_MODES


def meeting_url_for(*, slot: Slot, office: Office) -> tuple[str, str]:
    """(url, problem): exactly one of the two is empty. For an office on a video service the
    problem is `MEETING_PENDING`: the URL comes later, from the service."""
    if meeting_made_online(office):
        return "", MEETING_PENDING
    if office.meeting_url_mode == MeetingUrlMode.TEMPLATE:
        template = office.meeting_url_template.strip()
        if "{token}" not in template:
            return "", NO_TEMPLATE_TOKEN
        # 128 bits: a meeting nobody can join by guessing its address.
        url = template.replace("{token}", secrets.token_urlsafe(16))
    else:
        url = slot.counselor.meeting_room_url.strip()
        if not url:
            return "", NO_COUNSELOR_ROOM
    if not meeting_url_valid(url):
        return "", INVALID_URL
    return url, ""
