"""The browser harness: real headless Chromium (the system's) driven by pytest-playwright.

Use the `page` fixture (a fresh context per test, Japanese locale, a phone-sized viewport) and
the `live_url` fixture (the live server's base URL). Mark every test `@pytest.mark.browser`; the
suite-wide conftest skips them when Chromium is missing (fails them under REQUIRE_SERVICES=1).
`snap(page, "name")` saves a screenshot to test-artifacts/<test>/<name>.png; a failing test
leaves `failure.png` there as well.

`playwright install` cannot download browsers here, so the system Chromium is launched by path.
"""

import os
import re
from pathlib import Path

import pytest

from tests.conftest import chromium_path

from .a11y_report import RECORDS, Session, report_build, report_write

# The journeys' fixtures (an office with slots, the local outbox, links to the live server).
from .world import outbox, site_url, world  # noqa: F401

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Playwright's sync API keeps an event loop running in the main thread for the whole session,
# which makes Django refuse ORM calls from that thread (SynchronousOnlyOperation). The tests do
# their own database set-up synchronously, so the check is switched off for the run.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PHONE_VIEWPORT = {"width": 360, "height": 740}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": chromium_path() or "/usr/bin/chromium",
        "args": CHROMIUM_ARGS,
        "headless": True,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {
        **browser_context_args,
        "locale": "ja-JP",
        "timezone_id": "Asia/Tokyo",
        "viewport": PHONE_VIEWPORT,
    }


@pytest.fixture(scope="session")
def base_url(live_server) -> str:
    """The live server, so that `page.goto("/")` works (replaces pytest-playwright's own)."""
    return live_server.url


@pytest.fixture
def live_url(live_server) -> str:
    return live_server.url.rstrip("/")


def _artifact_dir(node) -> Path:
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", node.nodeid.split("::", 1)[-1])[:120]
    path = ARTIFACTS / name
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def snap(request):
    """`snap(page, "step-name")`: save a full-page screenshot under test-artifacts/."""

    def _snap(page, name: str) -> Path:
        path = _artifact_dir(request.node) / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return _snap


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call" and report.failed and "page" in item.funcargs:
        try:
            page = item.funcargs["page"]
            page.screenshot(path=str(_artifact_dir(item) / "failure.png"), full_page=True)
        except Exception:  # noqa: BLE001, S110 - a failed screenshot must not hide the real failure
            pass
    return report


# The accessibility report (tests/browser/a11y_report.py): which browser tests ran and how they
# ended, so that the report is written, or compared, only after a full run that passed.
REPORT_TEST = "tests/test_accessibility_report.py"


def _is_browser_test(item) -> bool:
    return Path(str(item.path)).resolve().parent == Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    Session.collected = {item.nodeid for item in items if _is_browser_test(item)}
    # The report's comparison needs the browser tests' records: it runs after them.
    last = [item for item in items if item.nodeid.startswith(REPORT_TEST)]
    items[:] = [item for item in items if item not in last] + last


def pytest_deselected(items):
    if any(_is_browser_test(item) for item in items):
        Session.narrowed = True


def pytest_runtest_logreport(report):
    if report.nodeid not in Session.collected:
        return
    if report.failed or report.skipped:
        Session.problems.append(report.nodeid)
    elif report.when == "call":
        Session.passed.add(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    target = os.environ.get("A11Y_REPORT")
    if not target:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    reason = Session.complete() or (None if exitstatus == 0 else "the session failed")
    if reason is None:
        path = Path(target)
        report_write(path, report_build(RECORDS))
        message = f"accessibility report written to {path} ({len(RECORDS)} checks)"
    else:
        message = f"accessibility report NOT written: {reason}"
        session.exitstatus = 1
    if reporter is not None:
        reporter.write_line(message)
