"""Bookings' part of the lower layers' domain events (core/events.py)."""

from django.dispatch import receiver
from django.utils import timezone

from jobseekers.events import jobseeker_anonymised

from .models import WAITING, Reservation, WaitlistRequest


@receiver(jobseeker_anonymised, dispatch_uid="bookings.jobseeker_anonymised")
def on_jobseeker_anonymised(sender, *, jobseeker_id, **kwargs) -> None:
    """Art 9: the reservations stay for the figures; the free text staff wrote goes."""
    Reservation.objects.filter(jobseeker_id=jobseeker_id).update(
        note="",
        cancel_caller="",
        cancel_reason="",
        outcome="",
        end_reason="",
        late_notice_note="",
    )
    # Nobody is told of a free time any more.
    WaitlistRequest.objects.filter(WAITING, jobseeker_id=jobseeker_id).update(
        withdrawn_at=timezone.now()
    )
