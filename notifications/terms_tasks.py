"""Celery tasks of the Art 14 notices, in batches, resumable (imported by notifications/tasks.py).

Their names stay `consent.*`, as before they moved here (issue 17): messages already queued
and the beat schedule keep finding them."""

from celery import shared_task

from notifications.terms_notices import terms_notices_pending, terms_notices_queue_batch


@shared_task(name="consent.terms_notices", acks_late=True, reject_on_worker_lost=True)
def terms_notices_task(version_id: int) -> int:
    """Write one batch of notices and queue the next; safe to run twice (idempotency keys)."""
    written, remaining = terms_notices_queue_batch(version_id=version_id)
    if remaining:
        terms_notices_task.delay(version_id)
    return written


@shared_task(name="consent.terms_notices_resume", ignore_result=True)
def terms_notices_resume_task() -> int:
    """Beat: restart the batches of any version whose notices a lost worker left unfinished."""
    pending = terms_notices_pending()
    for version_id in pending:
        terms_notices_task.delay(version_id)
    return len(pending)
