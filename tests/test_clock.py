"""The suite's clock (tests/clock.py): the test, the processes it starts, the live server and
the database all read it; a test's own travel nests inside it; TEST_TODAY / TEST_NOW move it."""

import datetime as dt
import email.utils
import os
import subprocess
import sys
import urllib.request

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from core.sql import db_now
from tests import clock
from tests.clock import ClockError, parse_instant, suite_start
from tests.servers import ROOT

# The clock itself, checked at each date `make test-dates` runs.
pytestmark = pytest.mark.dates

CLOSE = dt.timedelta(seconds=30)  # a busy machine, a Python starting: seconds, never days


def _python_now(**env) -> dt.datetime:
    """What a Python process the test starts reads as the time."""
    done = subprocess.run(  # noqa: S603 - fixed argv
        [sys.executable, "-c", "import datetime as d; print(d.datetime.now(d.UTC).isoformat())"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        env={**os.environ, **env},
    )
    return dt.datetime.fromisoformat(done.stdout.strip())


def test_each_test_starts_at_the_suite_s_instant(suite_clock):
    assert suite_clock.instant == suite_start()
    assert dt.timedelta(0) <= timezone.now() - suite_start() < CLOSE


def test_the_clock_ticks():
    first = timezone.now()
    assert timezone.now() > first


@pytest.mark.django_db
def test_the_database_s_clock_is_the_suite_s():
    assert abs(db_now() - timezone.now()) < CLOSE
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT now(), statement_timestamp(), clock_timestamp(), transaction_timestamp()"
            )
            for value in cursor.fetchone():
                assert abs(value - timezone.now()) < CLOSE


@pytest.mark.django_db
def test_a_travel_inside_a_test_moves_the_process_not_the_database():
    moment = dt.datetime(2031, 1, 6, 9, 0, tzinfo=clock.TOKYO)
    with time_machine.travel(moment, tick=False):
        assert timezone.now() == moment
        assert abs(db_now() - suite_start()) < CLOSE
    assert abs(timezone.now() - suite_start()) < CLOSE


@pytest.mark.clock("2026-12-01T10:00")
@pytest.mark.django_db
def test_a_clock_mark_moves_the_process_its_children_and_the_database():
    moment = dt.datetime(2026, 12, 1, 10, 0, tzinfo=clock.TOKYO)
    assert dt.timedelta(0) <= timezone.now() - moment < CLOSE
    assert abs(db_now() - moment) < CLOSE
    assert abs(_python_now() - moment) < CLOSE


def test_a_python_process_a_test_starts_runs_on_the_suite_s_clock():
    child = _python_now()
    assert abs(child - timezone.now()) < CLOSE
    # Ticking from where the suite's clock was when it started, not from where it begins.
    moment = dt.datetime(2027, 3, 31, 23, 59, tzinfo=clock.TOKYO)
    assert abs(_python_now(**clock.subprocess_clock_env(moment)) - moment) < CLOSE


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_django_process_a_test_starts_reads_the_suite_s_clock_in_its_database():
    code = (
        "import django; django.setup()\n"
        "from core.sql import db_now\n"
        "from django.utils import timezone\n"
        "print(timezone.now().isoformat(), db_now().isoformat())"
    )
    done = subprocess.run(  # noqa: S603 - fixed argv
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.notifications.worker_settings",
            "HW_WORKER_DB": connection.settings_dict["NAME"],
        },
    )
    assert done.returncode == 0, done.stderr[-2000:]
    process, database = map(dt.datetime.fromisoformat, done.stdout.split())
    assert abs(process - timezone.now()) < CLOSE
    assert abs(database - timezone.now()) < CLOSE


@pytest.mark.django_db(transaction=True)
def test_the_live_server_thread_runs_on_the_suite_s_clock(live_server):
    with urllib.request.urlopen(live_server.url + "/", timeout=30) as response:  # noqa: S310
        served = email.utils.parsedate_to_datetime(response.headers["Date"])
    assert abs(served - timezone.now()) < CLOSE


def test_sqlite_s_now_reads_the_suite_s_clock():
    today = timezone.now().astimezone(dt.UTC)
    assert clock._strftime("%Y-%m-%d", "now") == f"{today:%Y-%m-%d}"
    assert clock._strftime("%Y-%m-%d %H", "2020-02-29 13:00") == "2020-02-29 13"
    assert clock._strftime("%s", "2020-01-01") == "1577836800"


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, clock.DEFAULT_START),
        ({"TEST_TODAY": "2026-12-28"}, dt.datetime(2026, 12, 28, 10, 0, tzinfo=clock.TOKYO)),
        (
            {"TEST_NOW": "2027-03-31T23:59:30"},
            dt.datetime(2027, 3, 31, 23, 59, 30, tzinfo=clock.TOKYO),
        ),
        (
            {"TEST_NOW": "2026-11-30T15:00:00+00:00"},
            dt.datetime(2026, 12, 1, 0, 0, tzinfo=clock.TOKYO),
        ),
        (
            {"TEST_NOW": "2026-12-01T08:00+09:00", "TEST_TODAY": "2026-02-01"},
            parse_instant("2026-12-01T08:00+09:00"),
        ),
    ],
)
def test_test_today_and_test_now_choose_the_instant(environ, expected):
    assert suite_start(environ) == expected


@pytest.mark.parametrize("environ", [{"TEST_TODAY": "2026-13-01"}, {"TEST_NOW": "tomorrow"}])
def test_a_bad_date_is_a_clear_error(environ):
    with pytest.raises(ClockError, match="TEST_TODAY|ISO 8601"):
        suite_start(environ)
