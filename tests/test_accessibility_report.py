"""The committed accessibility report (docs/accessibility/results.json, shown at /accessibility/)
is what the suite finds. Rewrite it with `make a11y-report` when a test here fails.

It names only pages the site serves; and when the browser tests ran in full in this session and
passed (as in `make test` and CI), it holds exactly the rows their records give: the same pages,
languages, widths and checks, the same findings and tests. The date, commit and browser are the
run's own and are not compared. tests/browser/conftest.py runs this module after the browser
tests.
"""

import json
import os

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.browser.a11y_report import (
    _CONVERTER,
    CHECKS,
    RECORDS,
    REPORT,
    Session,
    report_rows,
)

FIX = "Run `make a11y-report` and commit docs/accessibility/results.json."


def _committed() -> dict:
    return json.loads(REPORT.read_text(encoding="utf-8"))


def _routes(patterns, prefix: str = "") -> set[str]:
    found: set[str] = set()
    for pattern in patterns:
        route = prefix + _CONVERTER.sub(r"<\1>", str(pattern.pattern))
        if isinstance(pattern, URLResolver):
            found |= _routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            found.add("/" + route)
    return found


def test_the_committed_report_is_well_formed_and_names_pages_the_site_serves():
    report = _committed()
    assert report["standard"] == "JIS X 8341-3:2016" and report["target"] == "AA"
    assert report["date"] and report["commit"] and report["rows"], FIX
    routes = _routes(get_resolver().url_patterns)
    unknown = sorted({row["page"] for row in report["rows"]} - routes)
    assert not unknown, f"the report names pages the site no longer serves: {unknown}. {FIX}"
    for row in report["rows"]:
        assert row["check"] in CHECKS and row["language"] in {"ja", "en"} and row["tests"]
        if row["check"] == "axe":
            assert row["result"]["violations"]["critical"] == 0, row
            assert row["result"]["violations"]["serious"] == 0, row
    checks = {row["check"] for row in report["rows"]}
    assert checks == set(CHECKS), f"the report lacks {set(CHECKS) - checks}. {FIX}"


def test_the_committed_report_is_what_the_browser_tests_find():
    reason = Session.complete()
    if reason is not None:
        if os.environ.get("REQUIRE_SERVICES") == "1" and Session.collected:
            pytest.fail(f"the report cannot be compared: {reason}")
        pytest.skip(f"the report is compared after a full browser run; {reason}")
    committed = {_key(row): row for row in _committed()["rows"]}
    found = {_key(row): row for row in report_rows(RECORDS)}
    problems = [f"not checked by any test now: {key}" for key in committed.keys() - found.keys()]
    problems += [f"checked but not in the report: {key}" for key in found.keys() - committed.keys()]
    problems += [
        f"{key}: the report says {committed[key]['result']} ({committed[key]['tests']}), "
        f"the run found {found[key]['result']} ({found[key]['tests']})"
        for key in committed.keys() & found.keys()
        if committed[key] != found[key]
    ]
    assert not problems, f"{len(problems)} differences. {FIX}\n" + "\n".join(sorted(problems)[:40])


def _key(row: dict) -> tuple:
    tags = ",".join(row["result"]["tags"]) if row["check"] == "axe" else ""
    return (row["page"], row["language"], row["width"], row["check"], tags)
