"""A real Celery worker process on the checkout's Redis database, for the reliability tests."""

import os
import signal
from pathlib import Path

import redis
from celery import current_app
from django.conf import settings
from django.db import connection
from kombu import pools

from tests.servers import CeleryWorker, wait_for  # noqa: F401 - wait_for: imported from here

ROOT = Path(__file__).resolve().parents[2]


def redis_client() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_TEST_URL)


def point_app_at_redis() -> tuple:
    """Make this (test) process publish to the checkout's Redis database; returns the old conf."""
    return point_app_at(settings.REDIS_TEST_URL)


def point_app_at(url: str, options: dict | None = None) -> tuple:
    """Make this (test) process publish to `url`; returns the old conf for restore_app."""
    app = current_app
    saved = (app.conf.broker_url, app.conf.broker_transport_options)
    _switch(app, url, options or {"visibility_timeout": 3600})
    return saved


def restore_app(saved: tuple) -> None:
    _switch(current_app, *saved)


def _switch(app, url, options) -> None:
    # kombu keeps its connection and producer pools in a global registry: empty it as well.
    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None
    app.conf.broker_url = url
    app.conf.broker_write_url = None
    app.conf.broker_read_url = None
    app.conf.broker_transport_options = options


class Worker:
    """A real worker on the test database (tests/notifications/worker_settings.py), in its own
    process group, killable as a whole; started again by `start()` (each start its own log)."""

    def __init__(self, *, mail_log: Path, log_dir: Path, concurrency: int = 1, env=None):
        self.mail_log = mail_log
        self.log_dir = log_dir
        self.concurrency = concurrency
        self.extra_env = env or {}
        self.current: CeleryWorker | None = None
        self.starts = 0

    @property
    def process(self):
        """The running worker's main process (a Popen)."""
        return self.current.popen if self.current is not None else None

    def start(self) -> "Worker":
        self.starts += 1
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.notifications.worker_settings",
            "HW_WORKER_DB": connection.settings_dict["NAME"],
            "HW_MAIL_LOG": str(self.mail_log),
            **self.extra_env,
        }
        self.current = CeleryWorker(
            name=f"worker-{self.starts}",
            env=env,
            log=self.log_dir / f"worker-{self.starts}.log",
            concurrency=self.concurrency,
            hostname=f"reliability{self.starts}",
        ).start(timeout=30)
        return self

    def kill(self) -> None:
        """SIGKILL to the worker and its pool children: nothing gets to clean up."""
        if self.current is not None:
            self.current.kill()

    def term(self, *, group: bool) -> None:
        """SIGTERM to the main process (docker stop, KillMode=mixed) or to the whole process
        group (systemd's default KillMode=control-group, `kill -TERM -<pgid>`)."""
        self.current.signal(signal.SIGTERM, group=group)

    def wait_exit(self, timeout: float) -> int | None:
        return self.current.wait_exit(timeout)

    def stop(self) -> None:
        if self.current is not None:
            self.current.stop(timeout=15)

    def log_text(self) -> str:
        return "\n".join(
            (self.log_dir / f"worker-{n}.log").read_text(errors="replace")
            for n in range(1, self.starts + 1)
        )
