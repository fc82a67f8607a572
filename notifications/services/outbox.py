"""Writing outbox rows; the queue is only the fast path (a sweep re-sends what it loses)."""

import datetime as dt

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from bookings.models import Reservation, WaitlistRequest
from core.sql import id_in
from jobseekers.models import Jobseeker

from ..models import Notification, NotificationKind, NotificationStatus
from ..queue import enqueue_on_commit

# The columns of a new outbox row that say what it is: a caller's rows give them, in this order.
_ROW_COLUMNS = (
    "kind",
    "reservation_id",
    "jobseeker_id",
    "terms_version_id",
    "sign_in_token_id",
    "sequence",
    "recipient",
    "language",
    "idempotency_key",
)
# The columns every new row starts with the same values in (queued, not tried yet).
_STATE_COLUMNS = (
    "status",
    "attempts",
    "provider_message_id",
    "last_error",
    "delivery_event",
    "queued_at",
    "created_at",
    "updated_at",
)


def _outbox_write(
    *,
    select: str,
    select_params: list,
    source: str,
    source_params: list,
    now: dt.datetime,
    waiting: str = "",
) -> list[int]:
    """The one writer of outbox rows: INSERT … SELECT, published after commit; the new ids.

    `select` gives the values of `_ROW_COLUMNS` in order and `source` what follows it (FROM …
    WHERE …; a WHERE is needed even for a single row, for SQLite's parser before ON CONFLICT).
    One statement writes a single notice or a sweep's thousands alike (building 10,000 model
    instances took most of a no-show sweep's time). A row whose idempotency key is taken is
    not written and not returned, also when two transactions race (the unique index decides).
    Every id written goes to the broker after the caller's commit through `queue` (with its
    broker guard); a lost message is left to the outbox sweep. With `waiting` (the reason, a
    msgid) the rows are written "waiting" instead and not published: an invitation whose meeting
    the video service has yet to make (`invitation_release` queues it).
    """
    columns = ", ".join(_ROW_COLUMNS + _STATE_COLUMNS)
    # Only the table name (from the model) and the callers' column expressions are formatted
    # in; values are bound.
    sql = (
        f"INSERT INTO {Notification._meta.db_table} ({columns}) "  # noqa: S608
        f"SELECT {select}, %s, 0, '', %s, '', %s, %s, %s {source} "
        "ON CONFLICT (idempotency_key) DO NOTHING RETURNING id"
    )
    status = NotificationStatus.WAITING if waiting else NotificationStatus.QUEUED
    params = [*select_params, status.value, waiting, now, now, now, *source_params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = sorted(row[0] for row in cursor.fetchall())
    if not waiting:
        enqueue_on_commit(ids)
    return ids


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
    waiting: str = "",
) -> tuple[Notification, bool]:
    """Write a queued notification in the caller's transaction; send it after commit.

    Idempotent on `idempotency_key`: a second call returns the existing row (and False) and
    queues nothing, also when two transactions race (the unique index decides). With `waiting`
    (why, a msgid) the row waits instead of being queued (`_outbox_write`).
    """
    now = now or timezone.now()
    values = {
        "kind": kind,
        "reservation": reservation,
        "jobseeker": jobseeker,
        "terms_version": terms_version,
        "sign_in_token": sign_in_token,
        "sequence": sequence,
        "recipient": recipient,
        "language": language or "ja",
        "idempotency_key": idempotency_key,
    }
    # Written first and looked up only when the key is taken: a new row (the usual case,
    # every booking) costs one INSERT, not a SELECT before it.
    ids = _outbox_write(
        select=", ".join(["%s"] * len(_ROW_COLUMNS)),
        select_params=[getattr(value, "pk", value) for value in values.values()],
        source="WHERE 1 = 1",
        source_params=[],
        now=now,
        waiting=waiting,
    )
    if not ids:
        return Notification.objects.get(idempotency_key=idempotency_key), False
    notification = Notification(
        pk=ids[0],
        **values,
        status=NotificationStatus.WAITING if waiting else NotificationStatus.QUEUED,
        last_error=waiting,
        queued_at=now,
        created_at=now,
        updated_at=now,
    )
    notification._state.adding = False
    notification._state.db = connection.alias
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


def invitation_queue(
    *, reservation, now: dt.datetime | None = None, waiting: str = ""
) -> Notification:
    """The invitation (招待メール) for the reservation's current version (Art 6(3)).

    With `waiting` (why, a msgid) it waits for the meeting the video service is making: it is
    not sent until `invitation_release` queues it."""
    return notification_queue(
        kind=NotificationKind.INVITATION,
        **_about(reservation),
        idempotency_key=f"invitation:{reservation.pk}:{reservation.sequence}",
        now=now,
        waiting=waiting,
    )


def invitation_wait(*, reservation, reason: str, now: dt.datetime | None = None) -> int:
    """Say why the current version's waiting invitation still waits (a msgid); how many rows."""
    now = now or timezone.now()
    return Notification.objects.filter(
        reservation=reservation,
        kind=NotificationKind.INVITATION,
        sequence=reservation.sequence,
        status=NotificationStatus.WAITING,
    ).update(last_error=reason, updated_at=now)


def invitation_release(*, reservation, now: dt.datetime | None = None) -> Notification | None:
    """The meeting exists: queue the current version's invitation, in the caller's transaction.

    A waiting row is queued (sent after commit); with none yet one is written, queued; one
    already queued or sent is left alone. None when the reservation has no URL to send.
    """
    now = now or timezone.now()
    if not reservation.meeting_url:
        return None
    key = f"invitation:{reservation.pk}:{reservation.sequence}"
    released = Notification.objects.filter(
        idempotency_key=key, status=NotificationStatus.WAITING
    ).update(
        status=NotificationStatus.QUEUED,
        last_error="",
        queued_at=now,
        next_attempt_at=None,
        updated_at=now,
    )
    if released:
        notification = Notification.objects.get(idempotency_key=key)
        enqueue_on_commit([notification.pk])
        return notification
    return invitation_queue(reservation=reservation, now=now)


def reminder_queue(*, reservation, now: dt.datetime | None = None) -> tuple[Notification, bool]:
    """The day-before reminder; one per reservation and time, however many sweeps run (a
    reservation whose time the jobseeker changed is reminded of the new time too)."""
    key = f"reminder:{reservation.pk}"
    if reservation.rescheduled_at is not None:
        key = f"{key}:{reservation.sequence}"
    return notification_queue_once(
        kind=NotificationKind.REMINDER,
        **_about(reservation),
        idempotency_key=key,
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
    # A reservation put back to confirmed by hand and swept again already has its notice:
    # the writer skips it rather than fail the whole batch.
    return _outbox_write(
        select="%s, r.id, r.jobseeker_id, NULL, NULL, r.sequence, j.email, "
        "j.preferred_language, %s || CAST(r.id AS TEXT)",
        select_params=[NotificationKind.NO_SHOW.value, "no_show:"],
        source=f"FROM {Reservation._meta.db_table} r JOIN {Jobseeker._meta.db_table} j "
        f"ON j.id = r.jobseeker_id WHERE {ids_sql}",
        source_params=ids_params,
        now=now,
    )


def terms_change_queue_many(
    *, terms_version_id: int, jobseeker_ids: list[int], now: dt.datetime
) -> list[int]:
    """The Art 14 notice of a terms version to each of `jobseeker_ids`, in the caller's transaction.

    Idempotency key `terms_change:<version>:<jobseeker>`: a jobseeker who has the notice
    already gets no second one, so a batch written twice notifies no one twice.
    """
    if not jobseeker_ids:
        return []
    ids_sql, ids_params = id_in("j.id", jobseeker_ids)
    return _outbox_write(
        select="%s, NULL, j.id, %s, NULL, 0, j.email, j.preferred_language, "
        "%s || CAST(j.id AS TEXT)",
        select_params=[
            NotificationKind.TERMS_CHANGE.value,
            terms_version_id,
            f"terms_change:{terms_version_id}:",
        ],
        source=f"FROM {Jobseeker._meta.db_table} j WHERE {ids_sql}",
        source_params=ids_params,
        now=now,
    )


def waitlist_queue(*, kind: str, request_ids: list[int], now: dt.datetime) -> list[int]:
    """The 「空きが出たら知らせる」 email of `kind` to each request's jobseeker, once per request
    and kind (idempotency key `<kind>:<request>`), in the caller's transaction; the new ids."""
    written = []
    requests = WaitlistRequest.objects.filter(pk__in=request_ids).select_related("jobseeker")
    for request in requests.order_by("pk"):
        jobseeker = request.jobseeker
        notification, created = notification_queue_once(
            kind=kind,
            recipient=jobseeker.email,
            language=jobseeker.preferred_language,
            jobseeker=jobseeker,
            idempotency_key=f"{kind}:{request.pk}",
            now=now,
        )
        if created:
            # The row's columns are the writer's (`_ROW_COLUMNS`); the request is set after.
            Notification.objects.filter(pk=notification.pk).update(waitlist_request=request)
            written.append(notification.pk)
    return written


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
        if row.status in (
            NotificationStatus.QUEUED,
            NotificationStatus.SENDING,
            # Released by the meeting's task as soon as the video service made the meeting.
            NotificationStatus.WAITING,
        ):
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
