"""The portal as it runs in production, on private services the test may break.

A `Stack` is one database of the private PostgreSQL cluster (a copy of the migrated template),
its own private Redis (cache and broker), gunicorn with two sync workers and a Celery worker,
all on `tests.faults.settings` (production's settings). Each process runs in its own process
group with its output kept in the stack's directory; `Stack.logs()` gathers them for a failing
assertion's message.
"""

import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import psycopg

from tests.notifications.mail_backend import mail_log_lines
from tests.servers import CeleryWorker, Gunicorn

from .services import PrivatePostgres, PrivateRedis

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

# Outbox timings of the stack (seconds): a queued row the broker lost is re-sent by the sweep
# after GRACE; a row left in "sending" by a worker that lost its database, after LEASE. Short,
# so that a test waits seconds; long enough that a send still under way is not taken twice.
GRACE = 2
LEASE = 10


class Stack:
    """One portal (web, worker, database, Redis) on private services.

    `env` is added to every process's environment (a scenario's own settings). The web and the
    worker are started by `start()`; a scenario may stop, kill or signal them through
    `web` and `worker`, and start another worker with `start_worker()`.
    """

    def __init__(
        self,
        *,
        postgres: PrivatePostgres,
        database: str,
        directory: Path,
        static_root: Path,
        env: dict | None = None,
        web_workers: int = 2,
        worker_concurrency: int = 2,
    ):
        self.postgres = postgres
        self.database = database
        self.directory = directory
        self.redis = PrivateRedis(directory)
        self.static_root = static_root
        self.web_workers = web_workers
        self.worker_concurrency = worker_concurrency
        self.mail_log_path = directory / "mail.jsonl"
        self.extra_env = env or {}
        self.web: Gunicorn | None = None
        self.worker: CeleryWorker | None = None
        self.workers: list[CeleryWorker] = []
        self._secret = secrets.token_urlsafe(40)

    # --- environment ---

    @property
    def url(self) -> str:
        return self.web.url

    def env(self, **extra: str) -> dict:
        keep = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "TEST_", "PYTEST_"))
        }
        return {
            **keep,
            "DJANGO_SETTINGS_MODULE": "tests.faults.settings",
            "SECRET_KEY": self._secret,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_URL": self.postgres.url(self.database),
            "REDIS_URL": self.redis.url,
            "EMAIL_PROVIDER": "postmark",
            "POSTMARK_SERVER_TOKEN": "faults",
            "SITE_URL": "https://booking.example.jp",
            "HW_MAIL_LOG": str(self.mail_log_path),
            "NOTIFICATION_SEND_GRACE": str(GRACE),
            "NOTIFICATION_SENDING_LEASE": str(LEASE),
            "NOTIFICATION_RETRY_BASE": "0.2",
            "OFFICE_CONTACTS_SNAPSHOT": str(self.directory / "office-contacts.json"),
            # The hashed manifest production renders its pages with (tests/servers.py).
            "STATIC_ROOT": str(self.static_root),
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
            **self.extra_env,
            **extra,
        }

    # --- processes ---

    def start(self) -> "Stack":
        self.redis.start()
        self.start_web()
        self.start_worker()
        return self

    def start_web(self) -> Gunicorn:
        self.web = Gunicorn(
            env=self.env(),
            log_dir=self.directory,
            workers=self.web_workers,
            options=["--timeout", "30", "--graceful-timeout", "10"],
            access_log="-",
            port=self.web.port if self.web is not None else None,
            name="web",
        ).start()
        return self.web

    def start_worker(self, *, concurrency: int | None = None, **env: str) -> CeleryWorker:
        number = len(self.workers) + 1
        worker = CeleryWorker(
            name=f"worker{number}",
            env=self.env(**env),
            log=self.directory / f"worker{number}.log",
            concurrency=concurrency or self.worker_concurrency,
            hostname=f"faults{number}",
        ).start()
        self.workers.append(worker)
        self.worker = worker
        return worker

    def stop(self) -> None:
        for process in [self.web, *self.workers]:
            if process is not None:
                process.stop()
        self.redis.stop()

    # --- the stack's database and outbox ---

    def manage(self, *args: str, timeout: float = 120.0, **env: str):
        """Run `python -m tests.faults.commands …` in the stack's environment (plus `env`); its
        JSON answer."""
        done = subprocess.run(  # noqa: S603 - fixed argv
            [sys.executable, "-m", "tests.faults.commands", *args],
            cwd=ROOT,
            env=self.env(**env),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"manage {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return json.loads(done.stdout.strip().splitlines()[-1])

    def django(self, *args: str, timeout: float = 300.0) -> str:
        """`python manage.py …` in the stack's environment; its output."""
        done = subprocess.run(  # noqa: S603 - fixed argv
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def seed(self, bookings: int, **options) -> list[dict]:
        """`bookings` booking plans; options: english_every, counselors, prefixes ("a,b": the
        local parts of the jobseekers' addresses, cycled)."""
        args = [f"--{name.replace('_', '-')}={value}" for name, value in options.items()]
        return self.manage("seed", f"--bookings={bookings}", *args)

    def sql(self, query: str, params=(), *, timeout: float = 60.0) -> list[tuple]:
        """Rows of `query` on the stack's database, waiting for a restarting server."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                with psycopg.connect(self.postgres.dsn(self.database), connect_timeout=3) as conn:
                    return conn.execute(query, params).fetchall()
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

    def mail_log(self) -> list[dict]:
        return mail_log_lines(self.mail_log_path)

    def invitations_settled(self, *, timeout: float = 120.0, sweep_every: float = 3.0) -> dict:
        """Run the outbox sweep (as beat would, more often) until no invitation of a confirmed
        reservation is queued or sending; returns the outbox's statuses."""
        deadline = time.monotonic() + timeout
        while True:
            statuses = dict(
                self.sql(
                    "SELECT n.status, count(*) FROM notifications_notification n "
                    "JOIN bookings_reservation r ON r.id = n.reservation_id "
                    "WHERE n.kind = 'invitation' AND r.status = 'confirmed' GROUP BY n.status"
                )
            )
            pending = statuses.get("queued", 0) + statuses.get("sending", 0)
            if not pending or time.monotonic() > deadline:
                return statuses
            self.manage("sweep")
            time.sleep(sweep_every)

    def logs(self) -> str:
        parts = []
        for process in [self.web, *self.workers]:
            if process is not None:
                parts.append(f"--- {process.name} ---\n{process.tail()}")
        return "\n".join(parts)
