"""A real multi-process web server for the tests: gunicorn on production settings.

`config.settings.production` as deployed, pointed at the test database pytest-django created
and the checkout's own Redis database (cache, sessions, broker), with several sync workers and
no `--preload`, as docker-compose runs it: each worker imports the application itself, so
anything a process makes up for itself (a random value at import, an `id()`) differs between
them. The workers run on the test's fixed clock (`gunicorn_clock.py`). The access log names the
worker (pid) that answered each request.

`Browser` is a client as a browser behind the TLS proxy is seen: `X-Forwarded-Proto: https`
(so the secure `__Host-` cookies are set and CSRF checks the `Origin`), its own cookie jar, and
redirects not followed.
"""

import datetime as dt
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
CLOCK = Path(__file__).with_name("gunicorn_clock.py")
ACCESS_FORMAT = "%(p)s %(m)s %(U)s %(s)s"
ACCESS_LINE = re.compile(r"^<(\d+)> (\S+) (\S+) (\d{3})$")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Gunicorn:
    def __init__(self, *, workers: int, log_dir: Path, now: dt.datetime):
        self.workers = workers
        self.log_dir = log_dir
        self.now = now
        self.port = free_port()
        self.access_log = log_dir / "access.log"
        self.error_log = log_dir / "gunicorn.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> "Gunicorn":
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "SECRET_KEY": settings.SECRET_KEY,  # the sessions the test writes are signed with it
            "ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": _database_url(),
            "REDIS_URL": settings.REDIS_TEST_URL,
            "EMAIL_PROVIDER": "smtp",
            "EMAIL_HOST": "127.0.0.1",  # nothing here sends email
            "HW_FIXED_NOW": self.now.isoformat(),
        }
        with open(self.error_log, "wb") as out:
            self.process = subprocess.Popen(  # noqa: S603 - fixed argv
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "config.wsgi:application",
                    "--config",
                    str(CLOCK),
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--workers",
                    str(self.workers),
                    "--log-level",
                    "info",
                    "--access-logfile",
                    str(self.access_log),
                    "--access-logformat",
                    ACCESS_FORMAT,
                ],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._wait_ready()
        return self

    def _wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.log_text()[-3000:]}")
            booted = self.log_text().count("Booting worker with pid")
            if booted >= self.workers:
                try:
                    status = Browser(self).get("/").status
                except OSError:
                    status = 0
                if status == 200:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn not ready:\n{self.log_text()[-3000:]}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def log_text(self) -> str:
        return self.error_log.read_text(errors="replace") if self.error_log.exists() else ""

    def served(self) -> list[tuple[int, str, str, int]]:
        """(worker pid, method, path, status) of every request answered, in order."""
        if not self.access_log.exists():
            return []
        lines = self.access_log.read_text(errors="replace").splitlines()
        return [(int(m[1]), m[2], m[3], int(m[4])) for m in map(ACCESS_LINE.match, lines) if m]


class Response:
    def __init__(self, status: int, headers: http.client.HTTPMessage, body: bytes):
        self.status = status
        self.headers = headers
        self.text = body.decode("utf-8", errors="replace")

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")


class Browser:
    def __init__(self, server: Gunicorn, cookies: dict[str, str] | None = None):
        self.server = server
        self.cookies = dict(cookies or {})

    @property
    def origin(self) -> str:
        return f"https://127.0.0.1:{self.server.port}"

    def get(self, path: str) -> Response:
        return self._request("GET", path)

    def post(self, path: str, fields: dict[str, str]) -> Response:
        body = urlencode(fields).encode()
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": self.origin,
            "Referer": self.origin + path,
        }
        return self._request("POST", path, body=body, headers=headers)

    def _request(self, method: str, path: str, *, body=None, headers=None) -> Response:
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
        try:
            sent = {"X-Forwarded-Proto": "https", **(headers or {})}
            if self.cookies:
                sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            conn.request(method, path, body=body, headers=sent)
            raw = conn.getresponse()
            response = Response(raw.status, raw.headers, raw.read())
        finally:
            conn.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response
