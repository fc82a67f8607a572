"""The Art 14 notice of a new terms version: written to the outbox in resumable batches."""

import datetime as dt

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from consent.models import TermsVersion
from consent.selectors import terms_notice_recipients
from notifications.models import Notification, NotificationKind
from notifications.services.outbox import terms_change_queue_many

# Jobseekers per batch: one INSERT … SELECT, published after commit in the outbox's batches.
NOTICE_BATCH = 500


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
        written = terms_change_queue_many(terms_version_id=version_id, jobseeker_ids=ids, now=now)
        remaining = len(ids) == batch_size
        if not remaining:
            # Only this bookkeeping column of a published version may change.
            TermsVersion.objects.filter(pk=version_id, notices_queued_at__isnull=True).update(
                notices_queued_at=now
            )
    return len(written), remaining


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
