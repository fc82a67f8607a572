"""Staff give a reservation that had no meeting URL one, and its invitation goes out (Art 6(3)).

Which URL a reservation gets is a booking rule: `bookings/meeting.py`.
"""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from bookings.meeting import INVALID_URL, meeting_url_for, meeting_url_valid
from bookings.models import Reservation, ReservationStatus

from ..errors import NotificationError
from .outbox import invitation_queue


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
            problem = "" if meeting_url_valid(url) else INVALID_URL
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
