"""The emails the lower layers' domain events cause (core/events.py, docs/architecture.md).

Each receiver runs in the sender's transaction: the outbox row commits with the booking, the
cancellation, the sign-in link or the registration, or not at all. Which email an event means
is decided here, in one place; the services below know nothing of emails.
"""

from functools import partial

from django.db import transaction
from django.dispatch import receiver

from bookings.events import (
    reservation_booked,
    reservation_cancelled,
    reservation_moved,
    reservations_no_show,
    waitlist_offered,
    waitlist_requested,
)
from bookings.meeting import MEETING_PENDING
from bookings.models import Reservation
from consent.events import terms_version_published
from jobseekers.events import (
    identification_purged,
    jobseeker_anonymised,
    registration_confirmed,
    sign_in_address_unknown,
    sign_in_link_created,
)
from jobseekers.models import SignInPurpose

from .models import Notification, NotificationKind, NotificationStatus
from .queue import publish
from .services.meeting import ONLINE, meeting_moved, meeting_step_due
from .services.outbox import (
    cancellation_queue,
    invitation_queue,
    no_show_queue_many,
    notification_queue,
    waitlist_queue,
)


@receiver(reservation_booked, dispatch_uid="notifications.reservation_booked")
def on_reservation_booked(sender, *, reservation, now, **kwargs) -> None:
    if reservation.meeting_provider in ONLINE:
        # The office's video service makes the meeting in a task after commit; the invitation
        # waits for its URL, and staff see why in "invitations not sent" (services/meeting.py).
        invitation_queue(reservation=reservation, now=now, waiting=MEETING_PENDING)
        meeting_step_due(reservation_ids=[reservation.pk], now=now)
    elif not reservation.meeting_url_problem:
        # No email with a broken link: a reservation without a meeting URL waits in the admin's
        # "invitations not sent" until staff give it one (services/meeting.py).
        invitation_queue(reservation=reservation, now=now)


@receiver(reservation_cancelled, dispatch_uid="notifications.reservation_cancelled")
def on_reservation_cancelled(sender, *, reservation, now, **kwargs) -> None:
    cancellation_queue(reservation=reservation, now=now)
    # The meeting at the video service is removed after commit.
    meeting_step_due(reservation_ids=[reservation.pk], now=now)


@receiver(reservation_moved, dispatch_uid="notifications.reservation_moved")
def on_reservation_moved(sender, *, reservation_id, now, **kwargs) -> None:
    # One updated invitation: the same UID with the raised SEQUENCE moves the event in the
    # jobseeker's calendar (bookings/services/moves.py says why not a cancel and a new one).
    reservation = Reservation.objects.select_related("jobseeker", "office").get(pk=reservation_id)
    if meeting_moved(reservation=reservation, now=now):
        # At a video service: the invitation (and its .ics) waits until the task moved the
        # meeting there, then goes out with its join URL (services/meeting.py).
        return
    if not reservation.meeting_url_problem:
        invitation_queue(reservation=reservation, now=now)


@receiver(reservations_no_show, dispatch_uid="notifications.reservations_no_show")
def on_reservations_no_show(sender, *, reservation_ids, now, **kwargs) -> None:
    no_show_queue_many(reservation_ids=reservation_ids, now=now)
    meeting_step_due(reservation_ids=reservation_ids, now=now)


@receiver(waitlist_requested, dispatch_uid="notifications.waitlist_requested")
def on_waitlist_requested(sender, *, request_ids, now, **kwargs) -> None:
    # A record of the request in the jobseeker's inbox, with the link to withdraw it.
    waitlist_queue(kind=NotificationKind.WAITLIST_ADDED, request_ids=request_ids, now=now)


@receiver(waitlist_offered, dispatch_uid="notifications.waitlist_offered")
def on_waitlist_offered(sender, *, request_ids, now, **kwargs) -> None:
    waitlist_queue(kind=NotificationKind.WAITLIST_OFFER, request_ids=request_ids, now=now)


@receiver(sign_in_link_created, dispatch_uid="notifications.sign_in_link_created")
def on_sign_in_link_created(
    sender, *, token, jobseeker, on_roster, recipient, language, now, **kwargs
) -> None:
    if token.purpose == SignInPurpose.RETURNING:
        kind, key = NotificationKind.SIGN_IN, f"sign_in:{token.pk}"
    else:
        # A first visit: only the holder of the roster's address reads which of the two it is.
        kind = NotificationKind.SIGN_IN if on_roster else NotificationKind.REGISTRATION_LINK
        key = f"registration_link:{token.pk}"
    notification_queue(
        kind=kind,
        recipient=recipient,
        language=language,
        jobseeker=jobseeker,
        sign_in_token=token,
        idempotency_key=key,
        now=now,
    )


@receiver(sign_in_address_unknown, dispatch_uid="notifications.sign_in_address_unknown")
def on_sign_in_address_unknown(sender, *, recipient, language, key, now, **kwargs) -> None:
    notification_queue(
        kind=NotificationKind.SIGN_IN_UNKNOWN,
        recipient=recipient,
        language=language,
        idempotency_key=key,
        now=now,
    )


@receiver(registration_confirmed, dispatch_uid="notifications.registration_confirmed")
def on_registration_confirmed(sender, *, request, jobseeker, now, **kwargs) -> None:
    notification_queue(
        kind=NotificationKind.REGISTERED,
        recipient=jobseeker.email,
        language=jobseeker.preferred_language,
        jobseeker=jobseeker,
        idempotency_key=f"registered:{request.pk}",
        now=now,
    )


@receiver(jobseeker_anonymised, dispatch_uid="notifications.jobseeker_anonymised")
def on_jobseeker_anonymised(sender, *, jobseeker_id, **kwargs) -> None:
    Notification.objects.filter(jobseeker_id=jobseeker_id).update(
        recipient=f"anonymised-{jobseeker_id}@anonymised.invalid", last_error=""
    )


# Emails that carried no link, and so went with no sign-in token's cascade.
SIGN_IN_KINDS_WITHOUT_LINK = [NotificationKind.SIGN_IN_UNKNOWN]
DONE = [NotificationStatus.SENT, NotificationStatus.FAILED, NotificationStatus.SKIPPED]


@receiver(identification_purged, dispatch_uid="notifications.identification_purged")
def on_identification_purged(sender, *, before, **kwargs) -> int:
    deleted, _detail = Notification.objects.filter(
        kind__in=SIGN_IN_KINDS_WITHOUT_LINK, status__in=DONE, queued_at__lt=before
    ).delete()
    return deleted


TERMS_NOTICES_TASK = "consent.terms_notices"


def _start_notices(version_id: int) -> None:
    publish(TERMS_NOTICES_TASK, (version_id,))


@receiver(terms_version_published, dispatch_uid="notifications.terms_version_published")
def on_terms_published(sender, *, version, **kwargs) -> None:
    # Published either way: if the broker is away, the beat's consent.terms_notices_resume
    # starts the notices within ten minutes.
    transaction.on_commit(partial(_start_notices, version.pk), robust=True)
