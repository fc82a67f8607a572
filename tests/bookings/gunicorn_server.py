"""A real multi-process web server for the tests: gunicorn on production settings.

`config.settings.production` as deployed, pointed at the test database pytest-django created
and the checkout's own Redis database (cache, sessions, broker), with several sync workers and
no `--preload`, as docker-compose runs it: each worker imports the application itself, so
anything a process makes up for itself (a random value at import, an `id()`) differs between
them. The server runs on the test's own moment (tests/clock.py, `subprocess_clock_env`). The
access log names the worker (pid) that answered each request.

`Browser` is a client as a browser behind the TLS proxy is seen: `X-Forwarded-Proto: https`
(so the secure `__Host-` cookies are set and CSRF checks the `Origin`), its own cookie jar, and
redirects not followed.
"""

import datetime as dt
import http.client
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from tests.clock import subprocess_clock_env
from tests.servers import Gunicorn, production_env


def clocked_gunicorn(*, workers: int, log_dir: Path, now: dt.datetime, static_root: Path):
    """gunicorn on production's settings (tests/servers.py) on a clock that reads `now` as it
    starts (its database on the suite's), with its access log naming the worker that answered each request.
    Sessions the test writes are signed with the test settings' SECRET_KEY, which it shares."""
    return Gunicorn(
        env=production_env(static_root=static_root, **subprocess_clock_env(now)),
        log_dir=log_dir,
        workers=workers,
        access_log=log_dir / "access.log",
    )


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
