"""Writing outbox rows; the queue is only the fast path (a sweep re-sends what it loses)."""

import datetime as dt
from functools import partial

from django.db import IntegrityError, transaction
from django.utils import timezone

from ..models import Notification, NotificationKind
from ..tasks import send_notification


def _enqueue_on_commit(notification_id: int) -> None:
    transaction.on_commit(partial(send_notification.delay, notification_id))


def notification_queue(
    *,
    kind: str,
    recipient: str,
    idempotency_key: str,
    language: str = "ja",
    reservation=None,
    jobseeker=None,
    terms_version=None,
    sequence: int = 0,
    now: dt.datetime | None = None,
) -> Notification:
    """Write a queued notification in the caller's transaction; send it after commit.

    Idempotent on `idempotency_key`: a second call returns the existing row and queues nothing.
    """
    now = now or timezone.now()
    existing = Notification.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                kind=kind,
                recipient=recipient,
                language=language,
                reservation=reservation,
                jobseeker=jobseeker,
                terms_version=terms_version,
                sequence=sequence,
                idempotency_key=idempotency_key,
                queued_at=now,
            )
    except IntegrityError:
        return Notification.objects.get(idempotency_key=idempotency_key)
    _enqueue_on_commit(notification.pk)
    return notification


def invitation_queue(*, reservation, now: dt.datetime | None = None) -> Notification:
    """The invitation (招待メール) for the reservation's current version (Art 6(3))."""
    return notification_queue(
        kind=NotificationKind.INVITATION,
        recipient=reservation.jobseeker.email,
        language=reservation.jobseeker.preferred_language,
        reservation=reservation,
        jobseeker=reservation.jobseeker,
        sequence=reservation.sequence,
        idempotency_key=f"invitation:{reservation.pk}:{reservation.sequence}",
        now=now,
    )


def cancellation_queue(*, reservation, now: dt.datetime | None = None) -> Notification:
    return notification_queue(
        kind=NotificationKind.CANCELLATION,
        recipient=reservation.jobseeker.email,
        language=reservation.jobseeker.preferred_language,
        reservation=reservation,
        jobseeker=reservation.jobseeker,
        sequence=reservation.sequence,
        idempotency_key=f"cancellation:{reservation.pk}:{reservation.sequence}",
        now=now,
    )
