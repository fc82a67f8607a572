"""The Celery application; tasks live in each app's tasks.py."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

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
