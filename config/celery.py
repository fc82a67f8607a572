"""The Celery application; tasks live in each app's tasks.py."""

import os
import signal

from celery import Celery
from celery.signals import task_postrun, task_prerun, worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("hwbook")
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
