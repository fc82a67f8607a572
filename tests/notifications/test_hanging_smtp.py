"""Issue 16 (5): an SMTP server that hangs never stalls the site.

gunicorn with two sync workers on production settings (PostgreSQL, Redis, EMAIL_PROVIDER=smtp)
in front of a real TCP server that accepts connections and never says a word. The
identification POSTs answer at once (the sign-in email is an outbox row), the start page is
served meanwhile, and the worker's attempt against the hanging server times out and is queued
for a retry.
"""

import concurrent.futures
import re
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from notifications.models import Notification, NotificationKind, NotificationStatus
from notifications.services.delivery import Outcome, notification_send
from tests.factories import JobseekerFactory, OfficeFactory
from tests.servers import Gunicorn, production_env

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

# What the old code did: the email was sent inside the request, with this timeout.
SMTP_TIMEOUT = 20
# Bound on a page while the mail server hangs (a loaded 2-core machine included).
FAST = 5.0
SITE_SECRET_KEY = "hanging-smtp-test-" + "x" * 40


class HangingSMTPServer:
    """Accepts TCP connections and never answers (no banner, no reply, no close)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(32)
        self.port = self.sock.getsockname()[1]
        self.held: list[socket.socket] = []
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        self.sock.settimeout(0.2)
        while not self.stopped.is_set():
            try:
                conn, _addr = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.held.append(conn)

    def close(self) -> None:
        self.stopped.set()
        self.thread.join(timeout=2)
        for conn in self.held:
            conn.close()
        self.sock.close()


@pytest.fixture
def smtp():
    server = HangingSMTPServer()
    yield server
    server.close()


@pytest.fixture
def site(checkout_redis, collected_static, smtp, tmp_path):
    """gunicorn -w 2 on production settings, mail through the hanging SMTP server."""
    server = Gunicorn(
        env=production_env(
            static_root=collected_static,
            SECRET_KEY=SITE_SECRET_KEY,
            EMAIL_PORT=str(smtp.port),
            EMAIL_USE_TLS="false",
            EMAIL_TIMEOUT=str(SMTP_TIMEOUT),
            SECURE_SSL_REDIRECT="false",
        ),
        log_dir=tmp_path,
        workers=2,
        options=["--worker-class=sync", "--timeout=60"],
    )
    try:
        yield server.start().url
    finally:
        server.stop()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _identify(base: str, data: dict) -> tuple[int, str, float]:
    """GET the form (CSRF cookie and token), POST it; (status, Location, seconds of the POST)."""
    opener = urllib.request.build_opener(NoRedirect)
    page = opener.open(base + "/identify/returning/", timeout=60)
    cookie = page.headers["Set-Cookie"].split(";", 1)[0]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.read().decode()).group(1)
    body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": token}).encode()
    request = urllib.request.Request(  # noqa: S310 - local test server
        base + "/identify/returning/", data=body, headers={"Cookie": cookie}
    )
    started = time.monotonic()
    try:
        response = opener.open(request, timeout=60)
        status, location = response.status, response.headers.get("Location", "")
    except urllib.error.HTTPError as error:
        status, location = error.code, error.headers.get("Location", "")
    return status, location, time.monotonic() - started


def _get(base: str, path: str) -> tuple[int, float]:
    started = time.monotonic()
    with urllib.request.urlopen(base + path, timeout=60) as response:  # noqa: S310
        return response.status, time.monotonic() - started


def test_a_hanging_mail_server_stalls_no_page(site, smtp, settings):
    office = OfficeFactory(registration_code="33010")
    known = JobseekerFactory(office=office, number="33010-00000001", email="known@example.jp")
    asks = [
        {"number": known.number, "email": known.email},  # a sign-in link
        {"number": "33010-00000002", "email": "someone@example.jp"},  # the "no match" email
    ]
    with concurrent.futures.ThreadPoolExecutor(max_workers=6) as pool:
        posts = [pool.submit(_identify, site, data) for data in asks]
        time.sleep(0.3)
        pages = [pool.submit(_get, site, path) for path in ("/", "/privacy/", "/", "/identify/")]
        answers = [future.result(timeout=90) for future in posts]
        served = [future.result(timeout=90) for future in pages]
    for status, location, seconds in answers:
        assert (status, location) == (302, "/identify/sent/")
        assert seconds < FAST, f"the identification took {seconds:.1f} s"
    for status, seconds in served:
        assert status == 200 and seconds < FAST, seconds
    # The emails wait in the outbox for the worker; the web never talked to the server.
    # (The two POSTs ran at once: their rows come in either order.)
    rows = Notification.objects.order_by("kind")
    assert [(n.kind, n.status) for n in rows] == [
        (NotificationKind.SIGN_IN, NotificationStatus.QUEUED),
        (NotificationKind.SIGN_IN_UNKNOWN, NotificationStatus.QUEUED),
    ]
    assert smtp.held == []

    # The worker's attempt against the hanging server gives up after its timeout and is
    # queued again with a back-off (the sweep and the task retry it). This process plays the
    # worker, with the site's key (the link is derived from it).
    settings.SECRET_KEY = SITE_SECRET_KEY
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": smtp.port, "use_tls": False, "timeout": 1},
        }
    }
    started = time.monotonic()
    result = notification_send(notification_id=rows[0].pk)
    assert result.outcome == Outcome.RETRY
    assert time.monotonic() - started < FAST
    row = Notification.objects.get(pk=rows[0].pk)
    assert row.status == NotificationStatus.QUEUED and row.next_attempt_at is not None
    assert "timed out" in row.last_error or "Timeout" in row.last_error
