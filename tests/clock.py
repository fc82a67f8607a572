"""The suite's clock: every test, every server it starts and its database read one fixed date.

No test may depend on the real date (issue 15, item 1: a calendar test went red on the first
day of a month that starts on a Tuesday). So the whole suite runs on a clock of its own:

- **In the test process** (`tests/conftest.py`): from start-up to the end of the run the clock
  reads `suite_start()` onwards, ticking (time-machine, `tick=True`, so that sleeps and
  time-outs still pass). Each test starts again at exactly that instant (the `_suite_clock`
  autouse fixture), so a test sees the same times alone or in the full run. A test marked
  `@pytest.mark.clock("2026-12-01T10:00+09:00")` starts at that instant instead. A test that
  needs its own moment still travels inside (`time_machine.travel(…)`): travels nest, and
  when it ends the suite's clock is back. Threads share it (the browser tests' live server
  runs in a thread of this process).
- **In every Python process a test starts** (gunicorn, runserver, a Celery worker, a
  `manage.py` command, the fault suite's stack): `tests/clock_site/sitecustomize.py`, on
  their PYTHONPATH, starts the same ticking clock before anything else runs, from
  `HW_TEST_CLOCK` (the suite's reading at the real time `HW_TEST_CLOCK_AT`). Both are kept in
  `os.environ` for the current test, which every helper that starts a process copies; a
  process may be given another instant (`subprocess_clock_env(instant)`).
- **In PostgreSQL**: the deadlines are read on the database's clock (`core.sql.db_now`,
  Django's `Now()`). The test databases get a schema `hw_clock` whose `now()`,
  `statement_timestamp()`, `transaction_timestamp()` and `clock_timestamp()` are PostgreSQL's
  plus the setting `hw.clock_offset` (seconds); every connection a test or its processes open
  finds them first (`search_path`) and gets the suite's offset, both through `PGOPTIONS`, and
  the test process's open connections are set again as each test starts. The SQL keywords
  `CURRENT_TIMESTAMP`, `LOCALTIMESTAMP` and `CURRENT_DATE` cannot be shadowed: the code uses
  none of them (Django's `Now()` is `STATEMENT_TIMESTAMP()`).
- **In SQLite** (no PostgreSQL): `STRFTIME(…, 'now')`, which `db_now()` and Django's `Now()`
  use, reads the C library's clock, which time-machine does not reach; the test connections
  replace the two-argument `STRFTIME` by one that reads the suite's clock for 'now'.

`TEST_TODAY=YYYY-MM-DD` (10:00 in Tokyo that day) or `TEST_NOW=<ISO 8601>` (naive: Tokyo) runs
the whole suite at another moment; `make test-dates` runs the date-sensitive tests at each of
the dates that matter (tests/README.md).
"""

import datetime as dt
import os
import re
import sqlite3
import threading
import time
import zoneinfo
from pathlib import Path

import time_machine
from time_machine import escape_hatch

TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
# A Wednesday in June: an ordinary open day, with no holiday, closure or month end in sight.
DEFAULT_START = dt.datetime(2026, 6, 10, 10, 0, tzinfo=TOKYO)
TODAY_HOUR = dt.time(10, 0)

SITE_DIR = Path(__file__).resolve().parent / "clock_site"
OFFSET_SETTING = "hw.clock_offset"
SCHEMA = "hw_clock"
# Tables are still created in the first of the usual schemas; the clock's functions are found
# before pg_catalog's (named last on purpose: when it is not named, it is searched first).
SEARCH_PATH = f"$user,public,{SCHEMA},pg_catalog"


# How far the suite's clock reads from the machine's (seconds), as `publish` last set it.
_current_offset = 0.0


class ClockError(ValueError):
    pass


def parse_instant(value: str | dt.datetime) -> dt.datetime:
    """An ISO 8601 instant (or a datetime); without an offset it is read in Asia/Tokyo."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=TOKYO)
    try:
        instant = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ClockError(f"not an ISO 8601 date and time: {value!r}") from None
    return instant if instant.tzinfo else instant.replace(tzinfo=TOKYO)


def suite_start(environ=os.environ) -> dt.datetime:
    """The instant every test starts at: TEST_NOW, else 10:00 in Tokyo on TEST_TODAY, else
    DEFAULT_START."""
    if environ.get("TEST_NOW"):
        return parse_instant(environ["TEST_NOW"])
    if environ.get("TEST_TODAY"):
        try:
            day = dt.date.fromisoformat(environ["TEST_TODAY"])
        except ValueError:
            value = environ["TEST_TODAY"]
            raise ClockError(f"TEST_TODAY is not a date (YYYY-MM-DD): {value!r}") from None
        return dt.datetime.combine(day, TODAY_HOUR, tzinfo=TOKYO)
    return DEFAULT_START


def real_time() -> float:
    """The machine's clock, whatever clock the process travels on."""
    return escape_hatch.time.time()


class Clock:
    """A ticking clock from `instant`, started in this process; `offset` is how far it reads
    from the machine's clock (seconds), the same all the while it runs."""

    def __init__(self, instant: dt.datetime):
        self.instant = instant
        self._travel = time_machine.travel(instant.astimezone(dt.UTC), tick=True)
        self.offset = 0.0

    def start(self) -> "Clock":
        self._travel.start()
        # A ticking travel starts counting at its first reading: read it now, with the real
        # clock beside it.
        self.offset = time.time() - real_time()
        return self

    def stop(self) -> None:
        self._travel.stop()

    def now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(real_time() + self.offset, dt.UTC)


def subprocess_clock_env(instant: dt.datetime | None = None) -> dict[str, str]:
    """The environment that puts a Python process on a clock (tests/clock_site/) and its
    database connections on the suite's: by default the suite's clock as it reads now, or
    `instant` (a server for a test that travels to a moment of its own)."""
    now = real_time()
    if instant is None:
        instant = dt.datetime.fromtimestamp(now + _current_offset, dt.UTC)
    return {
        "HW_TEST_CLOCK": instant.isoformat(),
        "HW_TEST_CLOCK_AT": repr(now),
        "PGOPTIONS": pg_options(_current_offset),
    }


# The user's own PGOPTIONS, without ours (a pytest started by a process of the suite inherits them).
_user_pgoptions = re.sub(
    rf"-c {re.escape(OFFSET_SETTING)}=\S+|-c search_path={re.escape(SEARCH_PATH)}",
    "",
    os.environ.get("PGOPTIONS", ""),
).strip()


def pg_options(offset: float) -> str:
    """libpq's PGOPTIONS for a connection on the suite's clock (the user's own kept after)."""
    ours = f"-c {OFFSET_SETTING}={offset:.6f} -c search_path={SEARCH_PATH}"
    return f"{ours} {_user_pgoptions}".strip()


def publish(clock: Clock) -> None:
    """Make `clock` the one every process and connection started from now on runs on."""
    global _current_offset
    _current_offset = clock.offset
    os.environ.update(subprocess_clock_env())
    _set_open_connections(clock.offset)


def put_site_on_pythonpath() -> None:
    path = os.environ.get("PYTHONPATH", "")
    if str(SITE_DIR) not in path.split(os.pathsep):
        os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(SITE_DIR), path) if p)


# --- databases ---

# PostgreSQL's clock functions, each with its volatility.
_FUNCTIONS = {
    "now": "STABLE",
    "transaction_timestamp": "STABLE",
    "statement_timestamp": "STABLE",
    "clock_timestamp": "VOLATILE",
}


def clock_schema_sql() -> list[str]:
    """Statements that give a database the suite's clock functions (idempotent)."""
    statements = [
        f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}",
        f"""CREATE OR REPLACE FUNCTION {SCHEMA}.shift() RETURNS interval
            LANGUAGE sql STABLE PARALLEL SAFE AS $$
            SELECT pg_catalog.make_interval(secs => coalesce(nullif(
                pg_catalog.current_setting('{OFFSET_SETTING}', true), ''), '0')::float8)
        $$""",
    ]
    for name, volatility in _FUNCTIONS.items():
        statements.append(
            f"""CREATE OR REPLACE FUNCTION {SCHEMA}.{name}() RETURNS timestamptz
                LANGUAGE sql {volatility} PARALLEL SAFE AS $$
                SELECT pg_catalog.{name}() OPERATOR(pg_catalog.+) {SCHEMA}.shift()
            $$"""
        )
    return statements


def install_database_clock(cursor) -> None:
    """Create the clock's schema in the database `cursor` is connected to."""
    for statement in clock_schema_sql():
        cursor.execute(statement)


def _set_open_connections(offset: float) -> None:
    """The offset on the test process's open PostgreSQL connections (new ones read PGOPTIONS).

    On the driver's connection, below Django's: a test without database access may still hold
    one from an earlier test. Inside a transaction the setting lasts until it ends, and every
    test sets it again as it starts."""
    import psycopg
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        raw = connection.connection
        if raw is None or connection.vendor != "postgresql" or raw.closed:
            continue
        if raw.info.transaction_status == psycopg.pq.TransactionStatus.INERROR:
            continue
        try:
            raw.execute(
                "SELECT pg_catalog.set_config(%s, %s, false)", [OFFSET_SETTING, f"{offset:.6f}"]
            )
        except psycopg.Error:
            continue  # a connection a test broke: Django replaces it before it is used again


def sqlite_connection_created(sender, connection, **kwargs) -> None:
    """SQLite: STRFTIME(format, 'now') on the suite's clock (see the module's docstring)."""
    if connection.vendor != "sqlite":
        return
    connection.connection.create_function("STRFTIME", 2, _strftime, deterministic=False)


# SQLite's own STRFTIME, for every value but 'now' (one connection, any thread, one at a time).
_builtin = sqlite3.connect(":memory:", check_same_thread=False)
_builtin_lock = threading.Lock()


def _strftime(format: str | None, value):
    if isinstance(value, str) and value.strip().lower() == "now":
        now = dt.datetime.fromtimestamp(real_time() + _current_offset, dt.UTC)
        value = now.strftime("%Y-%m-%d %H:%M:%S.%f")
    with _builtin_lock:
        (result,) = _builtin.execute("SELECT STRFTIME(?, ?)", (format, value)).fetchone()
    return result
