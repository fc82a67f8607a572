"""Writing outbox rows; the queue is only the fast path (a sweep re-sends what it loses)."""

import datetime as dt

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from bookings.models import Reservation
from bookings.sql import id_in
from jobseekers.models import Jobseeker

from ..models import Notification, NotificationKind, NotificationStatus
from ..queue import enqueue_on_commit


def notification_queue_once(
    *,
    kind: str,
    recipient: str,
    idempotency_key: str,
    language: str = "ja",
    reservation=None,
    jobseeker=None,
    terms_version=None,
    sign_in_token=None,
    sequence: int = 0,
    now: dt.datetime | None = None,
) -> tuple[Notification, bool]:
    """Write a queued notification in the caller's transaction; send it after commit.

    Idempotent on `idempotency_key`: a second call returns the existing row (and False) and
    queues nothing, also when two transactions race (the unique index decides).
    """
    now = now or timezone.now()
    # Written first and looked up only when the unique index refuses it: a new row (the usual
    # case, every booking) costs one INSERT, not a SELECT before it.
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                kind=kind,
                recipient=recipient,
                language=language or "ja",
                reservation=reservation,
                jobseeker=jobseeker,
                terms_version=terms_version,
                sign_in_token=sign_in_token,
                sequence=sequence,
                idempotency_key=idempotency_key,
                queued_at=now,
            )
    except IntegrityError:
        return Notification.objects.get(idempotency_key=idempotency_key), False
    enqueue_on_commit([notification.pk])
    return notification, True


def notification_queue(**kwargs) -> Notification:
    """`notification_queue_once` returning the row only."""
    return notification_queue_once(**kwargs)[0]


def _about(reservation) -> dict:
    """What every notice about a reservation carries: its jobseeker's address and language, its version."""
    return {
        "recipient": reservation.jobseeker.email,
        "language": reservation.jobseeker.preferred_language,
        "reservation": reservation,
        "jobseeker": reservation.jobseeker,
        "sequence": reservation.sequence,
    }


def invitation_queue(*, reservation, now: dt.datetime | None = None) -> Notification:
    """The invitation (招待メール) for the reservation's current version (Art 6(3))."""
    return notification_queue(
        kind=NotificationKind.INVITATION,
        **_about(reservation),
        idempotency_key=f"invitation:{reservation.pk}:{reservation.sequence}",
        now=now,
    )


def reminder_queue(*, reservation, now: dt.datetime | None = None) -> tuple[Notification, bool]:
    """The day-before reminder; one per reservation, however many sweeps run."""
    return notification_queue_once(
        kind=NotificationKind.REMINDER,
        **_about(reservation),
        idempotency_key=f"reminder:{reservation.pk}",
        now=now,
    )


def cancellation_queue(*, reservation, now: dt.datetime | None = None) -> Notification:
    return notification_queue(
        kind=NotificationKind.CANCELLATION,
        **_about(reservation),
        idempotency_key=f"cancellation:{reservation.pk}:{reservation.sequence}",
        now=now,
    )


def no_show_queue(*, reservation, now: dt.datetime | None = None) -> Notification:
    """The notice that a reservation became a no-show (Art 6(5)); one per reservation."""
    return notification_queue(
        kind=NotificationKind.NO_SHOW,
        **_about(reservation),
        idempotency_key=f"no_show:{reservation.pk}",
        now=now,
    )


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
    enqueue_on_commit(ids)
    return ids


def notification_resend(*, notification: Notification, now: dt.datetime | None = None) -> bool:
    """Staff's re-send: a failed, skipped or sent row goes back to the queue, to the jobseeker's
    current address (corrected after a bounce, say). False when it is queued or sending already.
    """
    now = now or timezone.now()
    with transaction.atomic():
        row = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("jobseeker")
            .get(pk=notification.pk)
        )
        if row.status in (NotificationStatus.QUEUED, NotificationStatus.SENDING):
            return False
        recipient = row.jobseeker.email if row.jobseeker is not None else row.recipient
        Notification.objects.filter(pk=row.pk).update(
            status=NotificationStatus.QUEUED,
            recipient=recipient,
            attempts=0,
            resends=F("resends") + 1,
            next_attempt_at=None,
            sent_at=None,
            failed_at=None,
            sending_started_at=None,
            last_error=f"re-sent by staff at {now.isoformat()}; was {row.status}",
            delivery_event="",
            delivery_event_at=None,
            updated_at=now,
        )
        enqueue_on_commit([row.pk])
    return True
