"""The Art 14 notice of a new terms version: written to the outbox in resumable batches."""

import datetime as dt
from functools import partial

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from bookings.sql import id_in
from jobseekers.models import Jobseeker
from notifications.models import Notification, NotificationKind, NotificationStatus
from notifications.tasks import send_notification

from .models import TermsVersion
from .selectors import terms_notice_recipients

# Jobseekers per batch: one INSERT … SELECT and one broker message per chunk of sends.
NOTICE_BATCH = 500
SEND_CHUNK = 100


def terms_notice_key(*, version_id: int, jobseeker_id: int) -> str:
    return f"terms_change:{version_id}:{jobseeker_id}"


def terms_notices_queue_batch(
    *, version_id: int, batch_size: int = NOTICE_BATCH, now: dt.datetime | None = None
) -> tuple[int, bool]:
    """Write the next batch of Art 14 notices; returns (rows written, whether any remain).

    Resumable and idempotent: a batch takes recipients that have no notice for this version
    yet, and the outbox's unique idempotency key (`terms_change:<version>:<jobseeker>`)
    makes a second writer's row a no-op, so a task run twice notifies no one twice.
    """
    now = now or timezone.now()
    version = TermsVersion.objects.get(pk=version_id)
    if not version.is_published or version.notices_queued_at is not None:
        return 0, False
    with transaction.atomic():
        already = Notification.objects.filter(
            kind=NotificationKind.TERMS_CHANGE, terms_version_id=version_id
        ).values("jobseeker_id")
        ids = list(
            terms_notice_recipients(bureau_id=version.bureau_id, now=now)
            .exclude(pk__in=already)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        written = _insert_notices(version_id=version_id, jobseeker_ids=ids, now=now)
        remaining = len(ids) == batch_size
        if not remaining:
            # Only this bookkeeping column of a published version may change.
            TermsVersion.objects.filter(pk=version_id, notices_queued_at__isnull=True).update(
                notices_queued_at=now
            )
        transaction.on_commit(partial(_enqueue_sends, written))
    return len(written), remaining


def _insert_notices(*, version_id: int, jobseeker_ids: list[int], now: dt.datetime) -> list[int]:
    if not jobseeker_ids:
        return []
    ids_sql, ids_params = id_in("j.id", jobseeker_ids)
    # Only table names (from the models) and id_in() are formatted in; values are bound.
    sql = (
        f"INSERT INTO {Notification._meta.db_table} (kind, reservation_id, jobseeker_id, "  # noqa: S608
        "terms_version_id, sequence, recipient, language, status, attempts, "
        "provider_message_id, last_error, delivery_event, idempotency_key, queued_at, "
        "created_at, updated_at) "
        "SELECT %s, NULL, j.id, %s, 0, j.email, j.preferred_language, %s, 0, '', '', '', "
        "%s || CAST(j.id AS TEXT), %s, %s, %s "
        f"FROM {Jobseeker._meta.db_table} j WHERE {ids_sql} "
        "ON CONFLICT (idempotency_key) DO NOTHING RETURNING id"
    )
    params = [
        NotificationKind.TERMS_CHANGE.value,
        version_id,
        NotificationStatus.QUEUED.value,
        f"terms_change:{version_id}:",
        now,
        now,
        now,
        *ids_params,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return sorted(row[0] for row in cursor.fetchall())


def _enqueue_sends(notification_ids: list[int]) -> None:
    if notification_ids:
        send_notification.chunks([(pk,) for pk in notification_ids], SEND_CHUNK).apply_async()


def terms_notices_pending() -> list[int]:
    """Published versions whose notices are not all written yet (the beat job resumes them)."""
    # A version entered as history (effective before it was published) announces nothing.
    return list(
        TermsVersion.objects.filter(
            published_at__isnull=False,
            notices_queued_at__isnull=True,
            effective_from__gte=F("published_at"),
        )
        .order_by("published_at")
        .values_list("pk", flat=True)
    )
