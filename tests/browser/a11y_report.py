"""The accessibility report: what the browser tests checked, page by page, as the published
accessibility page (/accessibility/) shows it.

The helpers of tests/browser/a11y.py `record` every check they make: the page as its URL
pattern (/r/<token>/, the route Django resolved, converters' names kept and values masked), the
document's language, the viewport's width, the test that made the check and what it found:

- "axe": axe-core's version, the rule tags run and the number of violated rules per impact;
- "fits": no sideways scroll at that width (horizontal_overflow);
- "keyboard": the test reached and used the page's controls with the keyboard alone;
- "announced": an accessible name a screen reader reads (visually hidden words included).

When the browser tests ran in full and all passed, `report_build` gathers the records into one
row per (page, language, width, check). `make a11y-report` runs them with A11Y_REPORT set and
tests/browser/conftest.py writes the report there (docs/accessibility/results.json).
tests/test_accessibility_report.py fails when the committed report is not what the suite finds.

The report holds no time of day: its date is the committer date (Japan time) of the commit the
run tested (`git log -1`), so that rewriting it from the same commit gives the same file.
"""

import json
import os
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REPORT = ROOT / "docs" / "accessibility" / "results.json"
BROWSER_TESTS = Path(__file__).resolve().parent
CHECKS = ("axe", "fits", "keyboard", "announced")

RECORDS: list[dict] = []
BROWSER: dict[str, str] = {}


class Session:
    """What this pytest session did with the browser tests (set by tests/browser/conftest.py)."""

    collected: set[str] = set()
    passed: set[str] = set()
    problems: list[str] = []
    narrowed: bool = False

    @classmethod
    def complete(cls) -> str | None:
        """None when every browser test ran and passed; else the reason it is not so."""
        if not cls.collected:
            return "the browser tests did not run in this session"
        files = {path.name for path in BROWSER_TESTS.glob("test_*.py")}
        ran = {nodeid.split("::", 1)[0].rsplit("/", 1)[-1] for nodeid in cls.collected}
        if cls.narrowed or files - ran:
            return "only some of the browser tests ran in this session"
        if cls.problems:
            return "browser tests failed or were skipped: " + ", ".join(sorted(cls.problems)[:5])
        if cls.collected - cls.passed:
            return "browser tests did not finish: " + ", ".join(
                sorted(cls.collected - cls.passed)[:5]
            )
        return None


_CONVERTER = re.compile(r"<(?:[^<>:]+:)?([^<>]+)>")


def page_pattern(path: str) -> str:
    """/r/abc…/ → /r/<token>/: the route that serves `path`, with the converters' names."""
    from django.urls import Resolver404, resolve

    try:
        route = resolve(path).route
    except Resolver404:
        return path
    if route is None or "^" in route or "(?" in route:
        return path
    return "/" + _CONVERTER.sub(r"<\1>", route)


def _current_test() -> str:
    current = os.environ.get("PYTEST_CURRENT_TEST", "").split(" ")[0]
    return re.sub(r"\[.*\]$", "", current)


def record(page, check: str, result) -> None:
    url = page.url
    if not url.startswith(("http://", "https://")):
        return  # an email's HTML or a blank page: not a page of the site
    from urllib.parse import urlsplit

    if page.context.browser is not None:
        BROWSER.setdefault("version", f"Chromium {page.context.browser.version}")
    viewport = page.viewport_size
    RECORDS.append(
        {
            "page": page_pattern(urlsplit(url).path),
            "language": page.evaluate("document.documentElement.lang") or "",
            "width": viewport["width"] if viewport else page.evaluate("window.innerWidth"),
            "check": check,
            "result": result,
            "test": _current_test(),
        }
    )


def _merge(check: str, results: list):
    if check == "axe":
        versions = sorted({r["axe"] for r in results})
        tags = sorted({tag for r in results for tag in r["tags"]})
        impacts = sorted({impact for r in results for impact in r["violations"]})
        return {
            "axe": versions[-1],
            "tags": tags,
            "violations": {i: max(r["violations"].get(i, 0) for r in results) for i in impacts},
        }
    if check == "fits":
        return all(results)
    if check == "keyboard":
        return True
    return sorted(set(results))


def report_rows(records: list[dict]) -> list[dict]:
    """One row per (page, language, width, check, rule tags), in a stable order. Several checks
    of one page merge: the most violations of each impact found in any of them."""
    groups: dict[tuple, list[dict]] = {}
    for rec in records:
        tags = ",".join(rec["result"]["tags"]) if rec["check"] == "axe" else ""
        key = (rec["page"], rec["language"], rec["width"], CHECKS.index(rec["check"]), tags)
        groups.setdefault(key, []).append(rec)
    rows = []
    for key in sorted(groups):
        recs = groups[key]
        rows.append(
            {
                "page": key[0],
                "language": key[1],
                "width": key[2],
                "check": CHECKS[key[3]],
                "result": _merge(CHECKS[key[3]], [r["result"] for r in recs]),
                "tests": sorted({r["test"] for r in recs}),
            }
        )
    return rows


def _git(*args: str) -> str:
    return subprocess.run(  # noqa: S603
        ["git", *args],  # noqa: S607
        cwd=ROOT,
        env={**os.environ, "TZ": "Asia/Tokyo"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def report_build(records: list[dict], *, browser: str = "") -> dict:
    """The report: the tested commit's date (Japan time) and id, the browser, and the rows."""
    date = _git("log", "-1", "--date=format-local:%Y-%m-%d", "--format=%cd")
    return {
        "standard": "JIS X 8341-3:2016",
        "target": "AA",
        "date": date,
        "commit": _git("rev-parse", "--short=12", "HEAD"),
        "browser": browser or BROWSER.get("version", ""),
        "rows": report_rows(records),
    }


def report_write(path: Path, report: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(report, ensure_ascii=False, indent=1) + "\n"
    path.write_text(text, encoding="utf-8")
