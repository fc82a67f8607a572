"""`make test-dates`: the date-sensitive tests at each date that matters, one line per date.

The tests marked `dates` (calendars, cut-offs, horizons, "today", data placed relative to the
day the suite runs) run once per date below with `TEST_TODAY` set (10:00 in Tokyo that day;
tests/clock.py). `TEST_DATES="2026-05-01 2027-01-04"` runs other dates instead; arguments are
passed to pytest (`make test-dates PYTEST_ARGS="-x tests/bookings"`). The exit status is 1 if
any date had a failure.

    python -m tests.run_dates [pytest arguments]
"""

import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET  # noqa: S405 - pytest's own report, written just before
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

DATES = [
    ("2026-02-01", "a month that starts on a Sunday and ends on a Saturday"),
    ("2026-08-01", "a month that starts on a Saturday"),
    ("2026-11-02", "the day before a national holiday (Culture Day, Tue 3 Nov)"),
    ("2026-12-28", "the last open day before the year-end closure (29 Dec - 3 Jan)"),
    ("2027-03-31", "the last day of the fiscal year"),
    ("2026-11-30", "the day CI went red (issue 15); the next month starts on a Tuesday"),
    ("2026-12-01", "the first day of a month that starts on a Tuesday"),
]


def _counts(report: Path) -> dict[str, int]:
    suite = ET.parse(report).getroot()  # noqa: S314 - written by pytest just before
    suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
    total = int(suite.get("tests", 0))
    failed = int(suite.get("failures", 0))
    errors = int(suite.get("errors", 0))
    skipped = int(suite.get("skipped", 0))
    return {
        "passed": total - failed - errors - skipped,
        "failed": failed,
        "errors": errors,
        "skipped": skipped,
    }


def run(day: str, pytest_args: list[str]) -> tuple[dict[str, int] | None, float]:
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.xml"
        started = time.monotonic()
        done = subprocess.run(  # noqa: S603 - this interpreter's pytest
            [
                sys.executable,
                "-m",
                "pytest",
                "-m",
                "dates",
                "-q",
                "-p",
                "no:cacheprovider",
                f"--junitxml={report}",
                *pytest_args,
            ],
            cwd=ROOT,
            env={**os.environ, "TEST_TODAY": day, "TEST_NOW": ""},
            capture_output=True,
            text=True,
            check=False,
        )
        elapsed = time.monotonic() - started
        if not report.exists():
            sys.stderr.write(done.stdout[-3000:] + done.stderr[-3000:])
            return None, elapsed
        counts = _counts(report)
        if counts["failed"] or counts["errors"]:
            sys.stderr.write(f"--- {day} ---\n{done.stdout[-6000:]}\n")
        return counts, elapsed


def main(argv: list[str]) -> int:
    chosen = os.environ.get("TEST_DATES", "").split()
    dates = [(d, "") for d in chosen] if chosen else DATES
    failed = False
    for day, why in dates:
        weekday = dt.date.fromisoformat(day).strftime("%a")
        counts, elapsed = run(day, argv)
        if counts is None:
            failed = True
            print(f"{day} {weekday}: pytest did not run ({elapsed:.0f} s)", flush=True)
            continue
        failed |= bool(counts["failed"] or counts["errors"])
        figures = ", ".join(f"{n} {what}" for what, n in counts.items() if n or what != "errors")
        about = f"  {why}" if why else ""
        print(f"{day} {weekday}: {figures} ({elapsed:.0f} s){about}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
