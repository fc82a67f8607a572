"""Celery tasks of notifications: they take ids and call services.

acks_late with reject_on_worker_lost: a message is acknowledged only when its task has
finished, so a worker that dies mid-send leaves it to be delivered again (and the outbox
sweep re-sends the row in any case). No countdown is longer than 60 s: the Redis transport
would deliver a message twice once its visibility timeout passed. A database connection that
drops (a PostgreSQL restart) is retried at once, statement by statement, in the services.
"""

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

from core.sql import retry_on_disconnect
from core.sweeps import each_id

from .queue import MAX_COUNTDOWN, enqueue_send, publish
from .services.delivery import Outcome, SendResult, notification_send
from .services.meeting import MEETING_SYNC_TASK, meeting_sweep, reservation_meeting_sync
from .services.sweep import notification_sweep, reminder_sweep
from .terms_tasks import terms_notices_resume_task, terms_notices_task  # noqa: F401 - registers them

logger = logging.getLogger(__name__)

SEND_OPTIONS = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "ignore_result": True,
    # A provider call has its own 30 s timeout; this stops a hung one well inside the lease.
    "soft_time_limit": 120,
    "time_limit": 150,
}


# When the database stays away longer than the service's own retries (about 16 s), the task
# comes back through the broker after this long; the sweep is the net under that.
DATABASE_AWAY_COUNTDOWN = 10.0


def _send(notification_id: int) -> SendResult:
    try:
        return notification_send(notification_id=notification_id)
    except (OperationalError, InterfaceError):
        logger.warning("database unreachable for notification id=%s", notification_id)
        return SendResult(Outcome.RETRY, retry_in=DATABASE_AWAY_COUNTDOWN)


@shared_task(name="notifications.send", bind=True, max_retries=None, **SEND_OPTIONS)
def send_notification(self, notification_id: int) -> str:
    result = _send(notification_id)
    if result.outcome == Outcome.RETRY and result.retry_in <= MAX_COUNTDOWN:
        if self.request.called_directly:
            # Called directly, not from a broker message: a Retry raised here would reach the
            # caller instead of the broker, so the retry gets its own message.
            enqueue_send(notification_id, countdown=result.retry_in)
        else:
            raise self.retry(countdown=result.retry_in)
    # A longer wait is held in the row (next_attempt_at); the sweep brings it back.
    return result.outcome.value


@shared_task(name="notifications.send_batch", **SEND_OPTIONS)
def send_notification_batch(notification_ids: list[int]) -> int:
    """Many sends in one message (a sweep's worth); a temporary failure gets its own retry."""

    def send(notification_id: int) -> bool:
        result = _send(notification_id)
        if result.outcome == Outcome.RETRY and result.retry_in <= MAX_COUNTDOWN:
            enqueue_send(notification_id, countdown=result.retry_in)
        return result.outcome == Outcome.SENT

    # A row that raises is logged and skipped (the outbox sweep brings it back after the
    # lease); the rest of the batch is still sent.
    return sum(each_id(notification_ids, send, job="send batch"))


@shared_task(name="notifications.sweep", ignore_result=True)
def notification_sweep_task() -> int:
    return retry_on_disconnect(notification_sweep, label="the outbox sweep")


@shared_task(name="notifications.reminder_sweep", ignore_result=True)
def reminder_sweep_task() -> int:
    return retry_on_disconnect(reminder_sweep, label="the reminder sweep")


@shared_task(name=MEETING_SYNC_TASK, bind=True, max_retries=None, **SEND_OPTIONS)
def meeting_sync(self, reservation_id: int) -> str:
    """Make, move or remove one reservation's meeting at its video service (docs/meetings.md).

    A step worth trying again comes back through the broker when it is due within a minute,
    else through the meeting sweep (`meeting_next_attempt_at`)."""
    try:
        result = reservation_meeting_sync(reservation_id=reservation_id)
    except (OperationalError, InterfaceError):
        logger.warning("database unreachable for the meeting of reservation id=%s", reservation_id)
        result = None
        retry_in = DATABASE_AWAY_COUNTDOWN
    else:
        retry_in = result.retry_in
    if retry_in is not None and retry_in <= MAX_COUNTDOWN:
        if self.request.called_directly:
            publish(MEETING_SYNC_TASK, (reservation_id,), countdown=retry_in)
        else:
            raise self.retry(countdown=retry_in)
    return result.step.value if result else "retry"


@shared_task(name="notifications.meeting_sweep", ignore_result=True)
def meeting_sweep_task() -> int:
    return retry_on_disconnect(meeting_sweep, label="the meeting sweep")
