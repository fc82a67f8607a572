"""Putting send tasks on the broker, by task name (services never import tasks.py).

The broker is only the fast path: if a message is lost (Redis flushed, a worker killed), the
outbox sweep sends the row anyway. So a broker error here is logged, never raised into the
caller's request. After a failure the broker is not tried again for `BREAKER_COOLDOWN`
seconds (`core.breaker`): while Redis is away a booking does not wait for Celery's publish
attempts (0.6 s with its default retries, a connect timeout for a host that drops packets);
what is not published is left to the sweep, which runs once the broker is back.
"""

import logging
from collections.abc import Iterable
from functools import partial

from celery import current_app
from django.db import transaction

from core.breaker import breaker_for

logger = logging.getLogger(__name__)

BREAKER_COOLDOWN = 10.0
_broker = breaker_for("broker", name="the Celery broker", cooldown=BREAKER_COOLDOWN, logger=logger)


def publish(task_name: str, args: tuple, *, countdown: float | None = None) -> bool:
    """Put one task on the broker; False (logged) if the broker did not take it."""
    if not _broker.allow():
        logger.info("broker away: %s left to the sweep", task_name)
        return False
    try:
        current_app.send_task(task_name, args=args, countdown=countdown)
    except Exception as error:  # noqa: BLE001 - the sweep re-sends whatever the broker did not take
        _broker.failed(error)
        logger.warning("broker refused %s; the sweep will pick it up", task_name)
        return False
    _broker.succeeded()
    return True


SEND_TASK = "notifications.send"
SEND_BATCH_TASK = "notifications.send_batch"
# Ids per broker message when many are queued at once (a no-show sweep, a reminder sweep).
BATCH_SIZE = 200
# The Redis transport redelivers unacknowledged messages after its visibility timeout; a
# countdown longer than that would be delivered twice, so none is longer than this.
MAX_COUNTDOWN = 60.0


def enqueue_send(notification_id: int, *, countdown: float | None = None) -> None:
    countdown = None if countdown is None else min(max(countdown, 0.0), MAX_COUNTDOWN)
    publish(SEND_TASK, (notification_id,), countdown=countdown)


def enqueue_many(notification_ids: Iterable[int]) -> None:
    ids = list(notification_ids)
    if len(ids) == 1:
        enqueue_send(ids[0])
        return
    for start in range(0, len(ids), BATCH_SIZE):
        publish(SEND_BATCH_TASK, (ids[start : start + BATCH_SIZE],))


def enqueue_on_commit(notification_ids: Iterable[int]) -> None:
    ids = list(notification_ids)
    if ids:
        # robust: nothing that fails after the commit may turn a committed booking into an
        # error page (enqueue_many already logs and swallows the broker's errors).
        transaction.on_commit(partial(enqueue_many, ids), robust=True)
