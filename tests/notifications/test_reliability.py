"""None lost, none doubled: the outbox against a real Redis and a real worker process.

Each test starts `celery -A config worker` (prefork) as a separate process on the test
database and the checkout's own Redis database, with anymail's test backend recording every
hand-over to the "provider" in a file. Timings are shortened (grace 1 s, lease 3 s, backoff
base 0.2 s); the behaviour is the production one.
"""

import datetime as dt
import threading
from collections import Counter

import pytest
from celery import current_app
from django.db import close_old_connections
from django.utils import timezone

from notifications.models import Notification, NotificationStatus
from notifications.selectors import invitations_not_sent
from notifications.services.outbox import invitation_queue
from notifications.services.sweep import notification_sweep
from tests.factories import JobseekerFactory, OfficeFactory, ReservationFactory, SlotFactory
from tests.notifications.mail_backend import mail_log_lines
from tests.notifications.worker import (
    wait_for,
)

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _sent(mail_path, to=None) -> list[dict]:
    return [
        line
        for line in mail_log_lines(mail_path)
        if line["result"] == "sent" and (to is None or line["to"] == to)
    ]


def _invitation(email: str) -> Notification:
    jobseeker = JobseekerFactory(email=email)
    reservation = ReservationFactory(
        jobseeker=jobseeker, slot=SlotFactory(counselor__office=jobseeker.office)
    )
    # Autocommit: the row is committed and the send task published at once (on_commit).
    return invitation_queue(reservation=reservation)


def _status(notification) -> str:
    notification.refresh_from_db()
    return notification.status


def _sweep_in_worker() -> None:
    current_app.send_task("notifications.sweep")


def test_a_message_lost_from_redis_is_sent_once_by_the_sweep(workers, broker, mail_path):
    """(a) The broker loses the message between commit and pick-up (FLUSHDB of this
    checkout's Redis database, which is what FLUSHALL does to it)."""
    notification = _invitation("lost@example.jp")
    assert broker.llen("celery") == 1
    broker.flushdb()
    worker = workers().start()

    _sweep_in_worker()  # too early: within the grace, nothing is re-sent
    wait_for(lambda: "notifications.sweep" in worker.log_text(), timeout=10)
    assert _status(notification) == NotificationStatus.QUEUED

    wait_for(
        lambda: (
            timezone.now() - notification.queued_at > dt.timedelta(seconds=1.5)
            and not _sweep_in_worker()
            and _status(notification) == NotificationStatus.SENT
        ),
        timeout=20,
        interval=1.0,
    )
    assert _status(notification) == NotificationStatus.SENT
    for _ in range(2):
        _sweep_in_worker()
    wait_for(lambda: False, timeout=2)
    assert len(_sent(mail_path)) == 1


def test_a_worker_killed_mid_send_is_followed_by_one_send_after_restart(workers, mail_path):
    """(b) SIGKILL while the provider call is in flight; the row is left in "sending"."""
    worker = workers(env={"HW_MAIL_SLOW": "4"}).start()
    notification = _invitation("slow@example.jp")
    assert wait_for(
        lambda: any(line["result"] == "sending" for line in mail_log_lines(mail_path)), timeout=15
    )
    worker.kill()
    assert _status(notification) == NotificationStatus.SENDING

    replacement = workers(env={"HW_MAIL_SLOW": "0"}).start()
    # The killed worker's message stays unacknowledged in Redis until the visibility timeout;
    # the sweep takes the row back once its lease (3 s here, 5 min in production) has passed.
    assert wait_for(
        lambda: not _sweep_in_worker() and _status(notification) == NotificationStatus.SENT,
        timeout=30,
        interval=1.0,
    ), replacement.log_text()[-3000:]
    assert len(_sent(mail_path)) == 1
    notification.refresh_from_db()
    assert notification.attempts == 2


def test_a_provider_5xx_three_times_is_sent_on_the_fourth_try(workers, mail_path):
    """(c) Retries with backoff (0.2, 0.4, 0.8 s here) through the broker's countdown."""
    workers().start()
    notification = _invitation("flaky@example.jp")
    assert wait_for(lambda: _status(notification) == NotificationStatus.SENT, timeout=30)
    assert [line["result"] for line in mail_log_lines(mail_path)] == ["503"] * 3 + ["sent"]
    notification.refresh_from_db()
    assert notification.attempts == 4
    assert notification.provider_message_id.startswith("test-")


def test_a_refused_recipient_fails_visibly_and_is_not_retried(workers, mail_path):
    """(d) A permanent refusal: failed with the reason, in the staff list, and no loop."""
    workers().start()
    notification = _invitation("refuse@example.jp")
    assert wait_for(lambda: _status(notification) == NotificationStatus.FAILED, timeout=20)
    for _ in range(3):
        _sweep_in_worker()
    wait_for(lambda: False, timeout=3)
    assert [line["result"] for line in mail_log_lines(mail_path)] == ["refused"]
    notification.refresh_from_db()
    assert "AnymailRecipientsRefused" in notification.last_error
    (pending,) = invitations_not_sent(OfficeFactory._meta.model.objects.all())
    assert pending.invitation_status == NotificationStatus.FAILED
    assert "AnymailRecipientsRefused" in pending.invitation_error


def test_two_sweeps_at_once_send_nothing_twice(workers, broker, mail_path, settings):
    """(e) 30 rows the broker lost, three sweeps at the same moment (two in the worker's
    pool, one here), and the send tasks racing them."""
    notifications = [_invitation(f"many{n}@example.jp") for n in range(30)]
    broker.flushdb()
    Notification.objects.update(queued_at=timezone.now() - dt.timedelta(minutes=5))
    workers(concurrency=4).start()

    barrier = threading.Barrier(3)

    def sweep_here():
        barrier.wait()
        notification_sweep()
        close_old_connections()

    def sweep_there():
        barrier.wait()
        _sweep_in_worker()

    threads = [threading.Thread(target=f) for f in (sweep_here, sweep_there, sweep_there)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert wait_for(
        lambda: Notification.objects.filter(status=NotificationStatus.SENT).count() == 30,
        timeout=30,
    )
    wait_for(lambda: False, timeout=2)
    counts = Counter(line["to"] for line in _sent(mail_path))
    assert len(counts) == 30
    assert set(counts.values()) == {1}
    assert all(_status(n) == NotificationStatus.SENT for n in notifications)
