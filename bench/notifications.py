"""Benchmark: invitation delivery through the outbox (issue 4).

Prints two figures:

1. commit → provider acceptance, p50/p95/max, real Redis and one worker process
   (goal p95 <= 2 s): invitations committed one by one at a steady rate, each timed from
   its commit to the moment anymail's test backend accepted it (in the worker).
2. invitations rendered and handed over per second by one worker (goal >= 50/s), with
   anymail's test backend: (a) the send service in a loop in this process (the work of one
   worker process without the broker), (b) a backlog drained by one worker process
   (concurrency 1) through Redis.

Uses a scratch PostgreSQL database (hwbook_bench_notifications, dropped at the end) and this
checkout's Redis test database (flushed: do not run it beside this checkout's tests).

    .venv/bin/python bench/notifications.py [--count 300] [--rate 5] [--concurrency 1]

The latency figure is taken below the worker's capacity (5 invitations/s by default, far above
a bureau's booking rate); above it, latency is the queue's length divided by the throughput.
"""

import argparse
import datetime as dt
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ADMIN_DSN = os.environ.get("BENCH_ADMIN_DSN", "host=127.0.0.1 user=postgres dbname=postgres")
DB_NAME = "hwbook_bench_notifications"


def admin(sql: str) -> None:
    with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
        conn.execute(sql)


def setup_django(mail_log: Path) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    os.environ["TEST_DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
    os.environ["HW_MAIL_LOG"] = str(mail_log)
    import django

    django.setup()
    from django.conf import settings

    settings.MAILERS = {"default": {"BACKEND": "tests.notifications.mail_backend.EmailBackend"}}
    logging.getLogger().setLevel(logging.WARNING)
    logging.getLogger("kombu").setLevel(logging.ERROR)


def make_reservations(count: int, start: dt.datetime, tag: str):
    from bookings.models import SLOT_LENGTH
    from tests.factories import (
        CounselorFactory,
        JobseekerFactory,
        OfficeFactory,
        ReservationFactory,
        SlotFactory,
    )

    office = OfficeFactory(code=f"bench-{tag}", registration_code=None)
    counselor = CounselorFactory(office=office)
    reservations = []
    for n in range(count):
        jobseeker = JobseekerFactory(office=office, email=f"{tag}{n}@example.jp")
        slot = SlotFactory(counselor=counselor, starts_at=start + SLOT_LENGTH * n)
        reservations.append(
            ReservationFactory(
                jobseeker=jobseeker,
                slot=slot,
                environment_checklist={"secure_device": True, "app_ready": True},
            )
        )
    return reservations


def in_process_rate(count: int) -> tuple[float, float]:
    """(per wall-clock second, per CPU second of this process) for the send service."""
    from django.db import transaction

    from notifications.services.delivery import Outcome, notification_send
    from notifications.services.outbox import invitation_queue

    start = dt.datetime(2027, 1, 4, 0, 0, tzinfo=dt.UTC)
    rows = []
    for reservation in make_reservations(count, start, "local"):
        with transaction.atomic():  # on_commit enqueues to the test settings' memory broker
            rows.append(invitation_queue(reservation=reservation).pk)
    began, cpu_began = time.perf_counter(), time.process_time()
    for pk in rows:
        assert notification_send(notification_id=pk).outcome == Outcome.SENT
    wall, cpu = time.perf_counter() - began, time.process_time() - cpu_began
    return count / wall, count / cpu


def sent_at_by_recipient(mail_log: Path) -> dict[str, float]:
    from tests.notifications.mail_backend import mail_log_lines

    return {line["to"]: line["at"] for line in mail_log_lines(mail_log) if line["result"] == "sent"}


def wait_until(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


def worker_figures(
    count: int, rate: float, mail_log: Path, work_dir: Path, concurrency: int
) -> None:
    from django.db import transaction

    from notifications.services.outbox import invitation_queue
    from tests.notifications.worker import Worker, point_app_at_redis, redis_client

    client = redis_client()
    client.flushdb()
    point_app_at_redis()
    worker = Worker(mail_log=mail_log, log_dir=work_dir, concurrency=concurrency).start()
    try:
        # 1. Latency: one invitation committed every 1/rate s.
        latency_set = make_reservations(count, dt.datetime(2027, 2, 1, 0, tzinfo=dt.UTC), "lat")
        committed: dict[str, float] = {}
        interval = 1.0 / rate
        next_at = time.monotonic()
        for reservation in latency_set:
            time.sleep(max(0.0, next_at - time.monotonic()))
            next_at += interval
            with transaction.atomic():
                invitation_queue(reservation=reservation)
            committed[reservation.jobseeker.email] = time.time()
        wait_until(lambda: len(sent_at_by_recipient(mail_log)) >= count, timeout=120)
        accepted = sent_at_by_recipient(mail_log)
        latencies = sorted(accepted[to] - at for to, at in committed.items() if to in accepted)
        missing = count - len(latencies)
        p95 = latencies[max(0, int(len(latencies) * 0.95) - 1)]
        print(
            f"commit -> provider acceptance ({count} invitations at {rate:g}/s, one worker, "
            f"concurrency {concurrency}, real Redis): p50 {statistics.median(latencies) * 1000:.0f} ms, "
            f"p95 {p95 * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms"
            f"{f', {missing} NOT SENT' if missing else ''}  (goal p95 <= 2000 ms)"
        )

        # 2b. Throughput: a backlog committed while the worker is busy, drained by it.
        backlog = make_reservations(count, dt.datetime(2027, 3, 1, 0, tzinfo=dt.UTC), "bulk")
        before = len(sent_at_by_recipient(mail_log))
        with transaction.atomic():
            for reservation in backlog:
                invitation_queue(reservation=reservation)
        began = time.time()
        wait_until(lambda: len(sent_at_by_recipient(mail_log)) >= before + count, timeout=120)
        accepted = sent_at_by_recipient(mail_log)
        bulk = [accepted[r.jobseeker.email] for r in backlog if r.jobseeker.email in accepted]
        elapsed = max(bulk) - began
        print(
            f"one worker (concurrency {concurrency}) through Redis: {len(bulk)} invitations in "
            f"{elapsed:.2f} s = {len(bulk) / elapsed:.0f}/s  (goal >= 50/s)"
        )
    finally:
        worker.stop()
        client.flushdb()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--rate", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=1, help="worker pool processes")
    args = parser.parse_args()

    admin(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    admin(f"CREATE DATABASE {DB_NAME}")
    work_dir = Path(tempfile.mkdtemp(prefix="bench-notifications-"))
    mail_log = work_dir / "mail.jsonl"
    try:
        setup_django(mail_log)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        rate, per_cpu = in_process_rate(args.count)
        print(
            f"render + hand-over, send service in one process (anymail test backend): "
            f"{rate:.0f} invitations/s wall clock, {per_cpu:.0f} per CPU second of the process "
            "(goal >= 50/s)"
        )
        mail_log.unlink(missing_ok=True)
        worker_figures(args.count, args.rate, mail_log, work_dir, args.concurrency)
    finally:
        from django.db import connections

        connections.close_all()
        admin(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
