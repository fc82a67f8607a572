"""The send task: retries through the broker, and inside a chunk without abandoning it."""

import pytest
from celery.exceptions import Retry
from django.core import mail

from notifications import tasks
from notifications.models import NotificationStatus
from notifications.services.outbox import invitation_queue
from tests.factories import JobseekerFactory, ReservationFactory, SlotFactory

pytestmark = pytest.mark.django_db


def _notification(email):
    jobseeker = JobseekerFactory(email=email)
    reservation = ReservationFactory(
        jobseeker=jobseeker, slot=SlotFactory(counselor__office=jobseeker.office)
    )
    return invitation_queue(reservation=reservation)


def test_a_temporary_failure_retries_with_a_countdown_of_at_most_60_s(mail_log, monkeypatch):
    notification = _notification("flaky@example.jp")
    retries = []

    def fake_retry(*args, **kwargs):
        retries.append(kwargs)
        raise Retry("retry", None)

    monkeypatch.setattr(tasks.send_notification, "retry", fake_retry)
    monkeypatch.setattr(tasks.send_notification.request, "called_directly", False, raising=False)

    with pytest.raises(Retry):
        tasks.send_notification.run(notification.pk)

    assert 0 < retries[0]["countdown"] <= 60


def test_called_inside_a_chunk_a_retry_is_its_own_message(mail_log, monkeypatch):
    flaky = _notification("flaky@example.jp")
    fine = _notification("fine@example.jp")
    enqueued = []
    monkeypatch.setattr(tasks, "enqueue_send", lambda pk, countdown: enqueued.append(pk))

    results = [tasks.send_notification(pk) for pk in (flaky.pk, fine.pk)]

    assert results == ["retry", "sent"]
    assert enqueued == [flaky.pk]
    assert [m.to for m in mail.outbox] == [["fine@example.jp"]]
    flaky.refresh_from_db()
    assert flaky.status == NotificationStatus.QUEUED


def test_the_batch_task_sends_each_and_retries_the_failures_alone(mail_log, monkeypatch):
    flaky = _notification("flaky@example.jp")
    fine = _notification("fine@example.jp")
    enqueued = []
    monkeypatch.setattr(tasks, "enqueue_send", lambda pk, countdown: enqueued.append(pk))

    assert tasks.send_notification_batch([flaky.pk, fine.pk]) == 1
    assert enqueued == [flaky.pk]


@pytest.mark.django_db(transaction=True)
def test_a_worker_keeps_its_database_connection_from_one_task_to_the_next(monkeypatch):
    """Celery's Django fixup closes the connection around every task unless CELERY_DB_REUSE_MAX
    is set: a new PostgreSQL connection per invitation halved a worker's throughput."""
    from celery.fixups.django import DjangoWorkerFixup
    from celery.signals import task_postrun, task_prerun
    from django.db import connection

    from config.celery import app

    fixup = DjangoWorkerFixup(app)
    task = tasks.send_notification

    def around_a_task():
        task_prerun.send(sender=task, task_id="t", task=task, args=(), kwargs={})
        fixup.on_task_prerun(sender=task)
        connection.ensure_connection()
        task_postrun.send(sender=task, task_id="t", task=task, args=(), kwargs={})
        fixup.on_task_postrun(sender=task)

    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)  # as in production
    connection.close()
    connection.ensure_connection()
    first = connection.connection
    for _ in range(10):
        around_a_task()
    assert connection.connection is first

    # One that outlived CONN_MAX_AGE is closed, as Django does between requests.
    connection.close_at = 0
    around_a_task()
    assert connection.connection is not first
