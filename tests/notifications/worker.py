"""A real Celery worker process on the checkout's Redis database, for the reliability tests."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import redis
from celery import current_app
from django.conf import settings
from django.db import connection
from kombu import pools

from tests.servers import wait_for  # noqa: F401 - the notification tests import it from here

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
    """`celery -A config worker` in its own process group, killable as a whole."""

    def __init__(self, *, mail_log: Path, log_dir: Path, concurrency: int = 1, env=None):
        self.mail_log = mail_log
        self.log_dir = log_dir
        self.concurrency = concurrency
        self.extra_env = env or {}
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def start(self) -> "Worker":
        self.starts += 1
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.notifications.worker_settings",
            "HW_WORKER_DB": connection.settings_dict["NAME"],
            "HW_MAIL_LOG": str(self.mail_log),
            **self.extra_env,
        }
        with open(self.log_dir / f"worker-{self.starts}.log", "wb") as out:
            self.process = self._spawn(env, out)
        self._wait_ready()
        return self

    def _spawn(self, env: dict, out) -> subprocess.Popen:
        return subprocess.Popen(  # noqa: S603 - fixed argv
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--loglevel=INFO",
                "--pool=prefork",
                f"--concurrency={self.concurrency}",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                f"--hostname=reliability{self.starts}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def _wait_ready(self, timeout: float = 30.0) -> None:
        log = self.log_dir / f"worker-{self.starts}.log"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited: {log.read_text(errors='replace')[-2000:]}")
            if b"ready." in log.read_bytes():
                return
            time.sleep(0.1)
        raise RuntimeError(f"worker not ready: {log.read_text(errors='replace')[-2000:]}")

    def kill(self) -> None:
        """SIGKILL to the worker and its pool children: nothing gets to clean up."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def term(self, *, group: bool) -> None:
        """SIGTERM to the main process (docker stop, KillMode=mixed) or to the whole process
        group (systemd's default KillMode=control-group, `kill -TERM -<pgid>`)."""
        if group:
            os.killpg(self.process.pid, signal.SIGTERM)
        else:
            self.process.send_signal(signal.SIGTERM)

    def wait_exit(self, timeout: float) -> int | None:
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def log_text(self) -> str:
        return "\n".join(
            (self.log_dir / f"worker-{n}.log").read_text(errors="replace")
            for n in range(1, self.starts + 1)
        )
