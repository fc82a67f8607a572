"""The Celery application; tasks live in each app's tasks.py."""

import logging
import os
import signal

from celery import Celery
from celery import Task as CeleryTask
from celery.signals import task_postrun, task_prerun, worker_process_init
from celery.worker.consumer import Consumer as CeleryConsumer
from celery.worker.request import Request as CeleryRequest

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

logger = logging.getLogger(__name__)

app = Celery("hwbook", task_cls="config.celery:Task")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect(weak=False)
@task_postrun.connect(weak=False)
def close_old_connections(**kwargs) -> None:
    """What Django does around a request: drop a connection that broke or is past CONN_MAX_AGE.

    With CELERY_DB_REUSE_MAX set, Celery keeps a task's connection for the next one; this keeps
    a worker from going on with a connection the database has dropped.
    """
    task = kwargs.get("task")
    if task is not None and getattr(task.request, "is_eager", False):
        return  # run inline (a test, a management command): not the worker's connection
    from django.db import close_old_connections as close

    close()


@worker_process_init.connect(weak=False)
def finish_the_task_on_term(**kwargs) -> None:
    """A pool child ignores SIGTERM: it finishes the email it is sending.

    Celery's prefork children die at once on SIGTERM (Celery resets the signal in them). When
    the TERM reaches only the main process (docker stop, systemd KillMode=mixed), that process
    does a warm shutdown: it takes no new task, waits for the running ones, then closes the
    pool. But systemd's default KillMode=control-group, or `kill -TERM -<pgid>`, sends it to
    every child too, and a child killed between the provider's "accepted" and the row's `sent`
    mark leaves the row to the lease: the email went out twice, five minutes apart (issue 16).
    Ignored here, a group TERM is the same warm shutdown (and a cold one, SIGQUIT, also waits
    for the running task). What still stops a child: the main process closing the pool when
    the task is done, the hard time limit (billiard sends TERM, then KILL 0.1 s later), and
    SIGKILL (systemd's TimeoutStopSec, an operator).
    """
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


# --- The broker lost while a task runs (a Redis restart during a send) ---
#
# Each send is acknowledged after it ran (acks_late), so a Redis outage finds one unacknowledged
# message per running send. Two places of Celery 5.7.0 / kombu 5.7.0 then raise AttributeError
# (the transport of the broken connection is detached: `'NoneType' object has no attribute
# 'hostname'`), which the worker treats as unrecoverable: it exited at the first Redis outage
# during a send, and no email went out until someone restarted it (tests/faults/
# test_redis_down.py, tests/notifications/test_worker_faults.py). Both are clean-up of the
# broken connection and are only logged here: the message stays in Redis's unacked set
# (restored after the visibility timeout, and then found already sent by the send task's own
# claim) and the outbox sweep re-sends a row the queue lost anyway (docs/notifications.md).


def _detached(message) -> bool:
    """The message came on a broker connection that has since been lost and closed: it can be
    neither acknowledged nor rejected any more."""
    channel = getattr(message, "channel", None)
    if channel is None:
        return False  # kombu says what is wrong with such a message itself
    transport = getattr(channel, "connection", None)
    return transport is None or getattr(transport, "client", None) is None


class Request(CeleryRequest):
    """A task request that does not acknowledge a message on a lost connection (Celery would
    try, from the event loop, and die of it)."""

    def _lost(self, what: str) -> bool:
        if self.acknowledged or not _detached(self._message):
            return False
        logger.warning(
            "task %s: its message's broker connection was lost meanwhile; %s skipped",
            self.id,
            what,
        )
        self.acknowledged = True
        return True

    def acknowledge(self):
        if not self._lost("acknowledgement"):
            super().acknowledge()

    def reject(self, requeue=False):
        if not self._lost("rejection"):
            super().reject(requeue=requeue)


class Task(CeleryTask):
    """The base of every task of the portal (Celery(task_cls=...)): its requests are `Request`."""

    Request = "config.celery:Request"


class Consumer(CeleryConsumer):
    """Celery's consumer, surviving the loss of the broker while a task is running.

    Celery 5.7.0 closes the broken connection after `collect()` has detached its transport;
    with a message unacknowledged, closing tries to put it back through that transport. The
    error is logged and the consumer reconnects, as for any other connection loss. Set as the
    worker's consumer by CELERY_WORKER_CONSUMER (config/settings/base.py).
    """

    def on_connection_error_after_connected(self, exc):
        try:
            super().on_connection_error_after_connected(exc)
        except AttributeError as error:
            if self.connection is not None:
                raise  # not the close of the broken connection: a real bug
            logger.warning(
                "broker connection lost (%r); closing it failed (%r); reconnecting", exc, error
            )
