"""Writing outbox rows; the queue is only the fast path (a sweep re-sends what it loses)."""

import datetime as dt
from functools import partial

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from bookings.models import Reservation
from bookings.sql import id_in
from jobseekers.models import Jobseeker

from ..models import Notification, NotificationKind, NotificationStatus
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


def no_show_queue(*, reservation, now: dt.datetime | None = None) -> Notification:
    """The notice that a reservation became a no-show (Art 6(5)); one per reservation."""
    return notification_queue(
        kind=NotificationKind.NO_SHOW,
        recipient=reservation.jobseeker.email,
        language=reservation.jobseeker.preferred_language,
        reservation=reservation,
        jobseeker=reservation.jobseeker,
        sequence=reservation.sequence,
        idempotency_key=f"no_show:{reservation.pk}",
        now=now,
    )


# Ids per broker message when a batch is queued: one message per notification made a sweep
# of 10,000 no-shows spend seconds talking to the broker.
ENQUEUE_CHUNK = 500


def _enqueue_many(notification_ids: list[int]) -> None:
    if len(notification_ids) == 1:
        send_notification.delay(notification_ids[0])
    elif notification_ids:
        send_notification.chunks([(pk,) for pk in notification_ids], ENQUEUE_CHUNK).apply_async()


def no_show_queue_many(*, reservation_ids: list[int], now: dt.datetime) -> list[int]:
    """`no_show_queue` for a batch the no-show sweep has just claimed, in the caller's transaction.

    One INSERT … SELECT writes every row (same fields and idempotency key `no_show:<pk>` as
    `no_show_queue`); building 10,000 model instances instead took most of a sweep's time.
    A reservation that already has its notice gets no second one.
    """
    if not reservation_ids:
        return []
    ids_sql, ids_params = id_in("r.id", reservation_ids)
    # Only table names (from the models) and id_in() are formatted in; values are bound.
    sql = (
        f"INSERT INTO {Notification._meta.db_table} (kind, reservation_id, jobseeker_id, "  # noqa: S608
        "sequence, recipient, language, status, attempts, provider_message_id, last_error, "
        "delivery_event, idempotency_key, queued_at, created_at, updated_at) "
        "SELECT %s, r.id, r.jobseeker_id, r.sequence, j.email, j.preferred_language, %s, 0, "
        "'', '', '', %s || CAST(r.id AS TEXT), %s, %s, %s "
        f"FROM {Reservation._meta.db_table} r JOIN {Jobseeker._meta.db_table} j "
        f"ON j.id = r.jobseeker_id WHERE {ids_sql} "
        # A reservation put back to confirmed by hand and swept again already has its notice:
        # skip it rather than fail the whole batch.
        "ON CONFLICT (idempotency_key) DO NOTHING RETURNING id"
    )
    params = [
        NotificationKind.NO_SHOW.value,
        NotificationStatus.QUEUED.value,
        "no_show:",
        now,
        now,
        now,
        *ids_params,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = sorted(row[0] for row in cursor.fetchall())
    transaction.on_commit(partial(_enqueue_many, ids))
    return ids
