"""Workers broken on purpose while invitations come in (issue 16, items 6 and 1).

Each test runs a real `celery -A config worker` (prefork) while a thread queues invitations
one after another, as reservation_create does after each commit:

- the worker's connection to PostgreSQL cut and refused for a while (a relay plays the restart
  on the shared server, which no test may restart): every invitation is sent once and
  promptly, none left to the sweep;
- its broker (a private Redis) stopped while a send runs: the worker lives on (Celery 5.7.0
  exited, config/celery.py).

The faults of a running portal during bookings (workers TERMed and killed, a real PostgreSQL of
its own restarted fast and immediate, a hanging SMTP server, sweeps on a clock 400 s ahead,
Redis down for 30 s) are the fault suite's, on production's settings: tests/faults/.
"""

import datetime as dt
import threading
import time
from collections import Counter

import pytest
from django.db import connection

from core.sql import db_now
from notifications.models import Notification, NotificationStatus
from notifications.services.outbox import invitation_queue
from tests.factories import JobseekerFactory, ReservationFactory, SlotFactory
from tests.faults.services import PostgresGate
from tests.notifications.mail_backend import mail_log_lines
from tests.notifications.worker import wait_for

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _invitation(email: str) -> Notification:
    jobseeker = JobseekerFactory(email=email)
    reservation = ReservationFactory(
        jobseeker=jobseeker,
        slot=SlotFactory(
            starts_at=db_now() + dt.timedelta(days=2), counselor__office=jobseeker.office
        ),
    )
    return invitation_queue(reservation=reservation)


class Bookings(threading.Thread):
    """Invitations committed one by one, every `interval` seconds, as bookings come in."""

    def __init__(self, emails: list[str], interval: float = 0.2):
        super().__init__(daemon=True)
        self.emails = emails
        self.interval = interval
        self.ids: list[int] = []
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            for email in self.emails:
                self.ids.append(_invitation(email).pk)
                time.sleep(self.interval)
        except BaseException as exc:  # noqa: BLE001 - reported by finish()
            self.error = exc
        finally:
            connection.close()

    def finish(self) -> list[int]:
        self.join(timeout=60)
        assert self.error is None, self.error
        return self.ids


def _all_sent(ids: list[int]) -> bool:
    return Notification.objects.filter(pk__in=ids, status=NotificationStatus.SENT).count() == len(
        ids
    )


def _sent_counts(mail_path) -> Counter:
    return Counter(line["to"] for line in mail_log_lines(mail_path) if line["result"] == "sent")


def test_a_postgresql_restart_during_sends_is_waited_out_not_left_to_the_sweep(
    workers, mail_path, settings
):
    """Item 6: the worker's connections are cut, and refused for 2 s, while invitations keep
    coming. Every one is sent once and promptly: none waits for the sweep (whose grace here is
    a minute, so it cannot be what sent them)."""
    settings.NOTIFICATION_SEND_GRACE = 60
    gate = PostgresGate()
    try:
        worker = workers(
            concurrency=2,
            env={"HW_WORKER_DB_PORT": str(gate.port), "NOTIFICATION_SEND_GRACE": "60"},
        ).start()
        warm = _invitation("warm@example.jp")
        assert wait_for(lambda: _all_sent([warm.pk]), timeout=20)
        emails = [f"pg{n}@example.jp" for n in range(12)]
        bookings = Bookings(emails, interval=0.25)
        bookings.start()
        time.sleep(1.0)
        gate.restart(down_for=2.0)
        time.sleep(2.5)
        gate.restart(down_for=0.5)  # and once more, immediately after
        ids = bookings.finish()
        assert wait_for(lambda: _all_sent(ids), timeout=30), worker.log_text()[-4000:]
    finally:
        gate.close()
    counts = _sent_counts(mail_path)
    assert set(counts.values()) == {1}
    assert len(counts) == len(emails) + 1
    log = worker.log_text()
    assert "database connection lost" in log  # the retries did happen
    sent_after = [n.sent_at - n.queued_at for n in Notification.objects.filter(pk__in=ids)]
    print(f"restart: slowest invitation {max(sent_after).total_seconds():.1f}s")  # noqa: T201
    assert max(sent_after) < dt.timedelta(seconds=20)


@pytest.mark.faults
def test_a_worker_outlives_its_broker_going_away_during_a_send(tmp_path, mail_path):
    """Redis stops while a send is running (its message not yet acknowledged): Celery 5.7.0's
    consumer died of it ("Unrecoverable error", config/celery.py). The worker reconnects
    when Redis is back and sends what comes next; the running send finishes."""
    from tests.faults.services import PrivateRedis
    from tests.notifications.worker import Worker, point_app_at, restore_app

    broker = PrivateRedis(tmp_path).start()
    saved = point_app_at(broker.url)
    worker = Worker(
        mail_log=mail_path,
        log_dir=tmp_path,
        concurrency=2,
        env={"TEST_REDIS_URL": broker.url, "HW_MAIL_SLOW": "3"},
    ).start()
    try:
        running = _invitation("slow-during@example.jp")
        assert wait_for(
            lambda: any(line["result"] == "sending" for line in mail_log_lines(mail_path)),
            timeout=20,
        ), worker.log_text()[-3000:]
        broker.stop()
        assert wait_for(lambda: "Connection to broker lost" in worker.log_text(), timeout=10)
        time.sleep(1)
        broker.start()  # the same port, empty
        assert wait_for(lambda: _all_sent([running.pk]), timeout=20), worker.log_text()[-3000:]
        after = _invitation("after@example.jp")
        assert wait_for(lambda: _all_sent([after.pk]), timeout=30), worker.log_text()[-3000:]
        assert worker.process.poll() is None, worker.log_text()[-3000:]
    finally:
        worker.stop()
        restore_app(saved)
        broker.stop()
    assert "Unrecoverable error" not in worker.log_text()
    assert _sent_counts(mail_path) == {"slow-during@example.jp": 1, "after@example.jp": 1}
