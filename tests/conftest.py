"""Suite-wide fixtures: the suite's clock, and the rule for tests that need real services.

Every test runs on the suite's clock (tests/clock.py): a fixed instant, ticking, the same in
the processes it starts and in its database; TEST_TODAY / TEST_NOW move it, and
`@pytest.mark.clock("…")` moves it for one test.

A test marked `postgres`, `redis`, `browser`, `caddy` or `faults` runs when that service (for
`faults`: the programs to start private Redis and PostgreSQL servers) is present and is skipped
with the reason otherwise. With REQUIRE_SERVICES=1 (CI) a missing service fails the run.
"""

import os
import shutil
import socket

import pytest
import time_machine
from django.conf import settings

from tests import clock

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES", "") == "1"


def _redis_answers() -> bool:
    from urllib.parse import urlparse

    url = urlparse(settings.REDIS_TEST_URL)
    try:
        with socket.create_connection(
            (url.hostname or "127.0.0.1", url.port or 6379), timeout=1
        ) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def chromium_path() -> str | None:
    return (
        os.environ.get("CHROMIUM_PATH")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
    )


def _fault_tools() -> bool:
    from tests.faults.services import missing_tools

    return not missing_tools()


def _fault_tools_reason() -> str:
    from tests.faults.services import missing_tools

    return "the fault tests need " + ", ".join(missing_tools())


_session_clock: clock.Clock | None = None


def pytest_configure(config):
    """The suite's clock from start-up (collection and session fixtures run on it too)."""
    global _session_clock
    try:
        start = clock.suite_start()
    except clock.ClockError as error:
        raise pytest.UsageError(str(error)) from None
    from django.db.backends.signals import connection_created

    clock.put_site_on_pythonpath()
    _session_clock = clock.Clock(start).start()
    clock.publish(_session_clock)
    connection_created.connect(clock.sqlite_connection_created)


def pytest_unconfigure(config):
    if _session_clock is not None:
        _session_clock.stop()


def pytest_report_header(config):
    if _session_clock is not None:
        return f"suite clock: {_session_clock.instant.isoformat()} (tests/clock.py)"
    return None


@pytest.fixture(autouse=True)
def suite_clock(request):
    """Each test starts at the suite's instant (or its `clock` mark's), ticking; its servers
    and database connections with it. Yields the Clock."""
    marker = request.node.get_closest_marker("clock")
    start = clock.parse_instant(marker.args[0]) if marker else _session_clock.instant
    travels = len(time_machine.traveller_stack)
    this = clock.Clock(start).start()
    clock.publish(this)
    yield this
    left = len(time_machine.traveller_stack) - travels - 1
    this.stop()
    clock.publish(_session_clock)
    assert left == 0, f"the test left {left} time-machine travel(s) running"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, with the suite's clock functions (tests/clock.py)."""
    from django.db import connection

    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                clock.install_database_clock(cursor)


SERVICES = {
    "postgres": (lambda: settings.POSTGRES_AVAILABLE, "PostgreSQL is not reachable"),
    "redis": (_redis_answers, "Redis is not reachable"),
    "browser": (lambda: chromium_path() is not None, "Chromium is not installed"),
    # The TLS proxy of docker-compose.yml, run by tests/deploy/ in front of gunicorn.
    "caddy": (lambda: shutil.which("caddy") is not None, "Caddy is not installed"),
    # Private Redis and PostgreSQL servers that the test stops and restarts (tests/faults/).
    "faults": (_fault_tools, _fault_tools_reason),
}


def pytest_collection_modifyitems(config, items):
    missing: dict[str, str] = {}
    for name, (probe, reason) in SERVICES.items():
        if any(name in item.keywords for item in items) and not probe():
            missing[name] = reason() if callable(reason) else reason
    if not missing:
        return
    if REQUIRE_SERVICES:
        raise pytest.UsageError(
            "REQUIRE_SERVICES=1 but: " + "; ".join(missing.values()) + ". Start them and run again."
        )
    for item in items:
        for name, reason in missing.items():
            if name in item.keywords:
                item.add_marker(pytest.mark.skip(reason=f"{reason}: skipped ({name})"))


@pytest.fixture(autouse=True)
def _english_free_default_language(settings):
    settings.LANGUAGE_CODE = "ja"


@pytest.fixture(autouse=True)
def _breakers_closed():
    """A test that took Redis away must not leave the next one skipping it (core.breaker)."""
    from core.breaker import breakers_reset

    breakers_reset()
    yield
    breakers_reset()


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory):
    """STATIC_ROOT for every server a test starts on production's settings: config/Dockerfile's
    own collectstatic, run once per run (production renders no page without its manifest)."""
    from tests.servers import collectstatic

    return collectstatic(tmp_path_factory.mktemp("static"))


@pytest.fixture
def checkout_redis(settings):
    """The checkout's Redis database (settings.REDIS_TEST_URL), empty, for a test whose server
    or worker processes use it as cache and broker; one such test at a time per checkout
    (pytest-xdist would otherwise run two side by side on it). Returns a client of it."""
    import fcntl

    import redis

    settings.VAR_DIR.mkdir(exist_ok=True)
    with open(settings.VAR_DIR / "redis-worker-tests.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        client = redis.Redis.from_url(settings.REDIS_TEST_URL)
        client.flushdb()
        try:
            yield client
        finally:
            client.flushdb()
