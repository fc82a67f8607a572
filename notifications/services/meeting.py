"""The meeting URL a reservation's invitation carries (Art 6(3)).

Per office: the counselor's personal room URL, or a URL made per reservation from the office's
template with an unguessable part. When none can be had, the reason is kept on the reservation
(staff see it in the admin list of invitations not sent) and no email with a broken link goes out.
"""

import datetime as dt
import secrets

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from bookings.models import Reservation, ReservationStatus, Slot
from offices.models import MeetingUrlMode, Office

from ..errors import NotificationError
from .outbox import invitation_queue

# Stored on the reservation in English (gettext_noop) and translated where staff read them.
NO_COUNSELOR_ROOM = gettext_noop("The counselor has no personal meeting room URL.")
NO_TEMPLATE_TOKEN = gettext_noop("The office's meeting URL template has no {token}.")
INVALID_URL = gettext_noop("The meeting URL is not a valid https URL.")

_https_only = URLValidator(schemes=["https"])


def _valid(url: str) -> bool:
    try:
        _https_only(url)
    except ValidationError:
        return False
    return len(url) <= Reservation._meta.get_field("meeting_url").max_length


def meeting_url_for(*, slot: Slot, office: Office) -> tuple[str, str]:
    """(url, problem): exactly one of the two is empty."""
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
    if not _valid(url):
        return "", INVALID_URL
    return url, ""


class MeetingUrlUnavailable(NotificationError):
    code = "meeting_url_unavailable"

    def __init__(self, problem: str):
        super().__init__(problem)
        self.problem = problem


def reservation_meeting_url_retry(
    *, reservation: Reservation | int, url: str = "", now: dt.datetime | None = None
) -> Reservation:
    """Give a reservation that had none a meeting URL (typed by staff, or made again) and queue
    its invitation. Raises MeetingUrlUnavailable with the reason when there is still none."""
    now = now or timezone.now()
    pk = reservation if isinstance(reservation, int) else reservation.pk
    with transaction.atomic():
        reservation = (
            Reservation.objects.select_for_update(of=("self",))
            .select_related("slot__counselor", "office", "jobseeker")
            .get(pk=pk)
        )
        if reservation.status != ReservationStatus.CONFIRMED:
            raise MeetingUrlUnavailable(gettext_noop("The reservation is no longer confirmed."))
        url = url.strip()
        if url:
            problem = "" if _valid(url) else INVALID_URL
        else:
            url, problem = meeting_url_for(slot=reservation.slot, office=reservation.office)
        if problem:
            reservation.meeting_url_problem = problem
            reservation.save(update_fields=["meeting_url_problem", "updated_at"])
        else:
            reservation.meeting_url = url
            reservation.meeting_url_problem = ""
            reservation.save(update_fields=["meeting_url", "meeting_url_problem", "updated_at"])
            invitation_queue(reservation=reservation, now=now)
    if problem:
        raise MeetingUrlUnavailable(problem)
    return reservation
