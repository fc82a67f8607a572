"""Putting send tasks on the broker, by task name (services never import tasks.py).

The broker is only the fast path: if a message is lost (Redis flushed, a worker killed), the
outbox sweep sends the row anyway. So a broker error here is logged, never raised into the
caller's request.
"""

import logging
from collections.abc import Iterable
from functools import partial

from celery import current_app
from django.db import transaction

logger = logging.getLogger(__name__)

SEND_TASK = "notifications.send"
SEND_BATCH_TASK = "notifications.send_batch"
# Ids per broker message when many are queued at once (a no-show sweep, a reminder sweep).
BATCH_SIZE = 200
# The Redis transport redelivers unacknowledged messages after its visibility timeout; a
# countdown longer than that would be delivered twice, so none is longer than this.
MAX_COUNTDOWN = 60.0


def enqueue_send(notification_id: int, *, countdown: float | None = None) -> None:
    countdown = None if countdown is None else min(max(countdown, 0.0), MAX_COUNTDOWN)
    try:
        current_app.send_task(SEND_TASK, args=(notification_id,), countdown=countdown)
    except Exception:  # noqa: BLE001 - the sweep re-sends whatever the broker did not take
        logger.exception("broker refused a send task; the sweep will pick it up")


def enqueue_many(notification_ids: Iterable[int]) -> None:
    ids = list(notification_ids)
    if len(ids) == 1:
        enqueue_send(ids[0])
        return
    for start in range(0, len(ids), BATCH_SIZE):
        chunk = ids[start : start + BATCH_SIZE]
        try:
            current_app.send_task(SEND_BATCH_TASK, args=(chunk,))
        except Exception:  # noqa: BLE001 - the sweep re-sends whatever the broker did not take
            logger.exception("broker refused a batch of %d send tasks", len(chunk))


def enqueue_on_commit(notification_ids: Iterable[int]) -> None:
    ids = list(notification_ids)
    if ids:
        transaction.on_commit(partial(enqueue_many, ids))
