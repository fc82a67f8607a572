"""Workers broken on purpose while invitations are being booked (issue 16, items 6, 7, 8).

Each test runs a real `celery -A config worker` (prefork) on the test database and the
checkout's Redis database, while a thread books: it queues invitations one after another, as
reservation_create does after each commit. Then it breaks something real:

- a TERM to the worker's main process, and to its whole process group, while sends are in
  flight;
- a SIGKILL of the group after the provider accepted and before the answer came back (the one
  window docs/notifications.md allows a second copy in);
- the worker's connection to PostgreSQL cut and refused for a while (what a restart does), and
  a real PostgreSQL cluster of the test's own restarted fast and immediate;
- a real SMTP server that hangs, or answers 451;
- a worker whose clock runs 400 s ahead, sweeping.

What must hold: every invitation is sent exactly once, or twice only in the documented window
(with the same Message-ID, a lease apart); no no-show before 10 minutes of database time.
"""

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter

import pytest
from celery import current_app
from django.db import connection

from bookings.models import ReservationStatus
from bookings.sql import db_now
from notifications.emails import message_id_for
from notifications.models import Notification, NotificationStatus
from notifications.services.delivery import notification_claim
from notifications.services.outbox import invitation_queue
from tests.factories import JobseekerFactory, ReservationFactory, SlotFactory
from tests.notifications.faults import PostgresGate, PrivateCluster, SmtpServer, postgres_bin
from tests.notifications.mail_backend import mail_log_lines
from tests.notifications.worker import ROOT, wait_for

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

LEASE = 3.0  # seconds: the workers fixture's NOTIFICATION_SENDING_LEASE


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


def _sweep() -> None:
    current_app.send_task("notifications.sweep")


def _all_sent(ids: list[int]) -> bool:
    return Notification.objects.filter(pk__in=ids, status=NotificationStatus.SENT).count() == len(
        ids
    )


def _sent_counts(mail_path) -> Counter:
    return Counter(line["to"] for line in mail_log_lines(mail_path) if line["result"] == "sent")


def _in_flight(mail_path) -> list[str]:
    """Recipients the provider accepted whose answer has not come back to the worker yet."""
    lines = mail_log_lines(mail_path)
    answered = {line["to"] for line in lines if line["result"] == "answered"}
    return [line["to"] for line in lines if line["result"] == "sent" and line["to"] not in answered]


@pytest.mark.parametrize("group", [False, True], ids=["main-process", "process-group"])
def test_a_term_lets_the_sends_in_flight_finish_and_nothing_goes_twice(workers, mail_path, group):
    """Warm shutdown: docker stop / KillMode=mixed TERM the main process; systemd's default
    KillMode=control-group TERMs every process of the group, pool children included."""
    worker = workers(concurrency=2, env={"HW_MAIL_SLOW": "1.5"}).start()
    emails = [f"lateanswer{n}@example.jp" for n in range(8)]
    bookings = Bookings(emails)
    bookings.start()
    assert wait_for(lambda: _in_flight(mail_path), timeout=20)
    in_flight_at_term = _in_flight(mail_path)
    worker.term(group=group)
    # The worker waits for its running tasks (1.5 s answers), then exits by itself.
    assert worker.wait_exit(timeout=30) is not None, worker.log_text()[-3000:]
    ids = bookings.finish()
    for email in in_flight_at_term:
        assert Notification.objects.get(recipient=email).status == NotificationStatus.SENT

    workers(concurrency=2, env={"HW_MAIL_SLOW": "0"}).start()
    assert wait_for(lambda: not _sweep() and _all_sent(ids), timeout=60, interval=1.0), (
        mail_log_lines(mail_path)
    )
    time.sleep(LEASE + 1)  # a lease later, a sweep finds nothing left to re-send
    _sweep()
    time.sleep(1)
    counts = _sent_counts(mail_path)
    assert sorted(counts) == sorted(emails)
    assert set(counts.values()) == {1}, counts


def test_a_kill_after_the_provider_accepted_sends_again_once_with_the_same_message_id(
    workers, mail_path
):
    """The documented window: SIGKILL between the provider's acceptance and the `sent` mark."""
    worker = workers(concurrency=2, env={"HW_MAIL_SLOW": "3"}).start()
    emails = [f"lateanswer{n}@example.jp" for n in range(6)]
    bookings = Bookings(emails)
    bookings.start()
    assert wait_for(lambda: _in_flight(mail_path), timeout=20)
    worker.kill()
    killed_at = time.time()
    # In the window: the provider has it, the row does not say so.
    accepted = {line["to"] for line in mail_log_lines(mail_path) if line["result"] == "sent"}
    left_sending = Notification.objects.filter(status=NotificationStatus.SENDING)
    in_window = accepted & set(left_sending.values_list("recipient", flat=True))
    assert in_window
    ids = bookings.finish()

    workers(concurrency=2, env={"HW_MAIL_SLOW": "0"}).start()
    assert wait_for(lambda: not _sweep() and _all_sent(ids), timeout=60, interval=1.0)
    time.sleep(LEASE + 1)
    _sweep()
    time.sleep(1)

    lines = [line for line in mail_log_lines(mail_path) if line["result"] == "sent"]
    counts = Counter(line["to"] for line in lines)
    assert sorted(counts) == sorted(emails)
    twice = {to for to, n in counts.items() if n == 2}
    assert set(counts.values()) <= {1, 2}
    assert twice == in_window  # a second copy for exactly the sends caught in the window
    for to in twice:
        first, second = (line for line in lines if line["to"] == to)
        notification = Notification.objects.get(recipient=to)
        assert first["message_id"] == second["message_id"] == message_id_for(notification)
        # Re-sent by the sweep once the lease ran out, not before.
        assert second["at"] - first["at"] >= LEASE
        assert first["at"] <= killed_at
    print(f"killed with {len(in_window)} in the window; sent twice: {len(twice)}")  # noqa: T201


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


def test_a_hanging_smtp_server_holds_one_send_within_its_timeout_and_the_rest_go_on(
    workers, mail_path
):
    with SmtpServer(hang_seconds=8) as smtp:
        workers(concurrency=2, env={"HW_SMTP_PORT": str(smtp.port), "HW_SMTP_TIMEOUT": "3"}).start()
        emails = ["hang@example.jp", "busy@example.jp"] + [f"ok{n}@example.jp" for n in range(6)]
        bookings = Bookings(emails, interval=0.1)
        bookings.start()
        ids = bookings.finish()
        assert wait_for(lambda: _all_sent(ids), timeout=60)
        hang_started = smtp.data_started("hang@example.jp")
        others = [d for d in smtp.delivered() if d.to.startswith("ok")]
        # While one pool process waited on the hung server, the other kept sending.
        assert any(hang_started[0] < d.at < hang_started[0] + 3 for d in others), (
            hang_started,
            [d.at for d in others],
        )
        counts = Counter(d.to for d in smtp.delivered())
    assert sorted(counts) == sorted(emails)
    assert set(counts.values()) == {1}
    hang = Notification.objects.get(recipient="hang@example.jp")
    busy = Notification.objects.get(recipient="busy@example.jp")
    assert (hang.attempts, busy.attempts) == (2, 2)
    # Bounded by the timeout: the retry came seconds after the hang began, not minutes.
    assert hang_started[1] - hang_started[0] < 10


def test_a_worker_whose_clock_runs_400_s_ahead_marks_no_one_early_and_resends_nothing_live(
    workers, mail_path
):
    """Item 8 in a real process: time-machine moves the worker's clock, not PostgreSQL's."""
    now = db_now()
    due = {}
    for minutes in (5, 9.5, 10.5, 20):
        slot = SlotFactory(starts_at=now - dt.timedelta(minutes=minutes))
        due[minutes] = ReservationFactory(slot=slot, jobseeker=JobseekerFactory(office=slot.office))
    live = _invitation("live@example.jp")
    Notification.objects.filter(pk=live.pk).update(status=NotificationStatus.QUEUED)
    assert notification_claim(notification_id=live.pk)  # a send in flight, claimed just now
    fresh = _invitation("fresh@example.jp")  # just queued; its task is on the broker
    worker = workers(
        env={
            "HW_CLOCK_SHIFT": "400",
            "NOTIFICATION_SENDING_LEASE": "300",
            "NOTIFICATION_SEND_GRACE": "60",
        }
    ).start()
    sweeps = ("bookings.noshow_sweep", "notifications.sweep", "notifications.reminder_sweep")
    for task in sweeps:
        current_app.send_task(task)
    assert wait_for(
        lambda: (
            all(
                re.search(rf"Task {re.escape(task)}\[[^]]+\] succeeded", worker.log_text())
                for task in sweeps
            )
            and _sent_counts(mail_path)["fresh@example.jp"]
        ),
        timeout=30,
    ), worker.log_text()[-3000:]
    after = db_now()

    log = worker.log_text()
    stamps = re.findall(r"\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),\d+: INFO/ForkPoolWorker", log)
    assert stamps, log[-2000:]
    # The pool process really ran 400 s ahead (its log lines are stamped by its clock).
    worker_clock = dt.datetime.fromisoformat(stamps[-1]).replace(tzinfo=dt.UTC)
    assert worker_clock - after > dt.timedelta(seconds=300)

    for minutes, reservation in due.items():
        reservation.refresh_from_db()
        if minutes < 10:
            assert reservation.status == ReservationStatus.CONFIRMED, minutes
        else:
            assert reservation.status == ReservationStatus.NO_SHOW, minutes
            assert reservation.no_show_at <= after  # never in the future
    live.refresh_from_db()
    assert live.status == NotificationStatus.SENDING  # not taken for a dead send
    fresh.refresh_from_db()
    assert fresh.status == NotificationStatus.SENT
    assert _sent_counts(mail_path)["fresh@example.jp"] == 1
    assert _sent_counts(mail_path)["live@example.jp"] == 0


@pytest.fixture
def private_postgres(settings):
    if postgres_bin() is None or shutil.which("runuser") is None or os.geteuid() != 0:
        pytest.skip("needs PostgreSQL's server binaries and root (to run them as postgres)")
    cluster = PrivateCluster().start()
    try:
        cluster.psql("CREATE DATABASE hwbook")
        schema = subprocess.run(  # noqa: S603 - fixed argv
            [  # noqa: S607
                "pg_dump",
                "--schema-only",
                "--no-owner",
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                "-d",
                connection.settings_dict["NAME"],
            ],
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        ).stdout
        load = subprocess.run(  # noqa: S603 - fixed argv
            [  # noqa: S607
                "psql",
                "-h",
                "127.0.0.1",
                "-p",
                str(cluster.port),
                "-U",
                "postgres",
                "-d",
                "hwbook",
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
            ],
            input=schema,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert load.returncode == 0, load.stderr[-2000:]
        yield cluster
    finally:
        cluster.stop()


def _counts(cluster) -> tuple[int, int]:
    total, sent = (
        cluster.psql(
            "SELECT count(*), count(*) FILTER (WHERE status = 'sent') "
            "FROM notifications_notification",
            database="hwbook",
        )
        .strip()
        .split("|")
    )
    return int(total), int(sent)


def test_a_real_postgresql_restart_fast_and_immediate_during_bookings(
    workers, mail_path, private_postgres
):
    """Item 6 against a real server: a private PostgreSQL cluster stopped `-m fast` for 2 s,
    then restarted `-m immediate` (crash and recovery), while a separate process books and the
    worker sends.
    Every invitation is sent once, and promptly: the sweep's grace is a minute here, so none of
    them was left to it."""
    cluster = private_postgres
    env = {
        "HW_WORKER_DB": "hwbook",
        "HW_WORKER_DB_PORT": str(cluster.port),
        "NOTIFICATION_SEND_GRACE": "60",
    }
    worker = workers(concurrency=2, env=env).start()
    count = 20
    booking = subprocess.Popen(  # noqa: S603 - fixed argv
        [sys.executable, "-m", "tests.notifications.book", "pg", str(count), "0.2"],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.notifications.worker_settings",
            **env,
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert wait_for(lambda: _counts(cluster)[1] >= 2, timeout=30, interval=0.5)
        away = [cluster.restart("fast", down_for=2.0)]
        time.sleep(1.0)
        away.append(cluster.restart("immediate"))
        booked, _ = booking.communicate(timeout=120)
    finally:
        if booking.poll() is None:
            booking.kill()
            booking.communicate()
    assert booking.returncode == 0, booked[-2000:]
    assert len(booked.split()) == count
    assert wait_for(lambda: _counts(cluster) == (count, count), timeout=40, interval=0.5), (
        _counts(cluster),
        worker.log_text()[-4000:],
    )
    counts = _sent_counts(mail_path)
    assert len(counts) == count
    assert set(counts.values()) == {1}
    slowest = float(
        cluster.psql(
            "SELECT extract(epoch FROM max(sent_at - queued_at)) FROM notifications_notification",
            database="hwbook",
        )
    )
    log = worker.log_text()
    print(  # noqa: T201
        f"restarts away {away[0]:.1f}s (fast) and {away[1]:.1f}s (immediate); "
        f"{log.count('database connection lost')} retries logged; slowest invitation "
        f"{slowest:.1f}s from commit to sent"
    )
    assert "database connection lost" in log
    assert slowest < 30


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
