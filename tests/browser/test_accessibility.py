"""Accessibility in the browser (WCAG 2.1 AA): axe-core on every public page and the main admin
pages in both languages, the booking done with the keyboard alone, no sideways scroll at 320 px,
the words a screen reader says for links whose visible text is short. What these tests check is
recorded for the published accessibility page (tests/browser/a11y_report.py).
"""

import pytest
from django.conf import settings
from django.utils import translation
from playwright.sync_api import expect

from bookings.checklist import CHECKLIST_KEYS
from bookings.services.reservations import reservation_access_token, reservation_create
from tests.factories import ConsentFactory
from tests.helpers import NO_DETAILS
from tests.helpers import journey_session as shared_journey_session

from .a11y import (
    assert_accessible,
    assert_announced,
    horizontal_overflow,
    operated_by_keyboard,
    with_axe,
)
from .world import admin_context, run_worker

# The outcome depends on the date the suite runs at: `make test-dates` runs it at each date.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.dates]

NARROW = {"width": 320, "height": 640}
LANGUAGES = ["ja", "en"]


def journey_session(jobseeker, *, slot=None) -> str:
    """A session key as the sign-in link leaves it, with the steps before the check done."""
    return shared_journey_session(jobseeker, slot=slot, details=NO_DETAILS)


def public_context(browser, live_url: str, language: str, *, session_key: str | None = None):
    context = browser.new_context(
        locale="ja-JP" if language == "ja" else "en-US",
        timezone_id="Asia/Tokyo",
        viewport=NARROW,
    )
    cookies = [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_url}]
    if session_key:
        cookies.append(
            {"name": settings.SESSION_COOKIE_NAME, "value": session_key, "url": live_url}
        )
    context.add_cookies(cookies)
    with_axe(context)
    return context


def check_page(page, url: str, language: str, *, status: int = 200) -> None:
    response = page.goto(url)
    assert response is not None and response.status == status, f"{url}: {response.status}"
    expect(page.locator("html")).to_have_attribute("lang", language)
    assert_accessible(page, url)
    assert horizontal_overflow(page) <= 0, f"{url} scrolls sideways at 320 px"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_public_page_passes_axe_and_fits_320_px(browser, live_url, world, language):
    jobseeker = world.jobseeker(number="33010-00011111", email="a11y@example.jp")
    ConsentFactory(jobseeker=jobseeker, terms_version=world.terms)
    booked = world.jobseeker(number="33010-00022222", email="booked@example.jp")
    ConsentFactory(jobseeker=booked, terms_version=world.terms)
    reservation = reservation_create(
        slot=world.slots[3],
        jobseeker=booked,
        environment_checklist=dict.fromkeys(CHECKLIST_KEYS, True),
    )
    run_worker()
    fresh = world.jobseeker(number="33010-00033333", email="fresh@example.jp")
    suspended = world.jobseeker(
        number="33010-00044444", email="no@example.jp", suspended=True, suspension_reason="x"
    )

    anonymous = public_context(browser, live_url, language)
    page = anonymous.new_page()
    for path in [
        "/",
        "/identify/",
        "/identify/returning/",
        "/identify/received/",
        f"/terms/{world.office.bureau.code}/",
        "/privacy/",
        "/accessibility/",
        f"/r/{reservation_access_token(reservation)}/",
    ]:
        check_page(page, live_url + path, language)
    with translation.override(language):
        assert_announced(
            page,
            "link",
            f"{translation.gettext('Add to Google Calendar')} "
            f"{translation.gettext('(opens in a new tab)')}",
        )
    # A form sent empty: the error summary and the fields' messages.
    page.goto(f"{live_url}/identify/returning/")
    page.locator("main button[type=submit]").click()
    assert_accessible(page, "identification with errors")
    anonymous.close()

    signed_in = public_context(
        browser, live_url, language, session_key=journey_session(jobseeker, slot=world.slots[0])
    )
    page = signed_in.new_page()
    for path in [
        "/book/checklist/",
        "/book/date/",
        f"/book/date/{world.day.isoformat()}/",
        "/book/details/",
        "/book/check/",
    ]:
        check_page(page, live_url + path, language)
    with translation.override(language):
        # "Change" alone would not say what it changes.
        assert_announced(
            page,
            "link",
            f"{translation.gettext('Change')} {translation.gettext('the date and time')}",
        )
    page.locator("main button[type=submit]").click()
    expect(page.locator("#reference")).to_be_visible()
    assert_accessible(page, "confirmation")
    assert horizontal_overflow(page) <= 0
    signed_in.close()

    # The consent page, the "just taken" page and the gate.
    other = public_context(
        browser, live_url, language, session_key=journey_session(fresh, slot=world.slots[0])
    )
    page = other.new_page()
    check_page(page, f"{live_url}/book/terms/", language)
    ConsentFactory(jobseeker=fresh, terms_version=world.terms)
    page.goto(f"{live_url}/book/check/")
    page.locator("main button[type=submit]").click()
    expect(page.locator("#error-summary")).to_be_visible()
    assert_accessible(page, "just taken")
    other.close()

    refused = public_context(browser, live_url, language, session_key=journey_session(suspended))
    page = refused.new_page()
    check_page(page, f"{live_url}/book/unavailable/", language, status=403)
    refused.close()


@pytest.mark.clock("2026-12-01T10:00")
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_month_view_of_december_2026_passes_axe(browser, live_url, world, language):
    """Issue 15 item 1: December 2026 starts on a Tuesday, and the month view showed the last
    days of November in a grey below contrast (axe: color-contrast, serious) from the day CI
    reached it. Run in that month whatever date the suite runs at: the days outside the month
    are blank cells."""
    jobseeker = world.jobseeker(number="33010-00066666", email="december@example.jp")
    ConsentFactory(jobseeker=jobseeker, terms_version=world.terms)
    context = public_context(browser, live_url, language, session_key=journey_session(jobseeker))
    page = context.new_page()
    check_page(page, f"{live_url}/book/date/", language)
    expect(page.locator("#month-title")).to_have_text(
        "2026年12月" if language == "ja" else "December 2026"
    )
    first_week = page.locator("table.month tbody tr").first.locator("td")
    assert [first_week.nth(n).inner_text().strip() for n in range(2)] == ["", ""]
    assert first_week.nth(2).inner_text().startswith("1")
    context.close()


def _tab_to(page, selector: str, *, limit: int = 80) -> None:
    """Press Tab until the focused element matches `selector` (fails if it never does)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(
            "(s) => document.activeElement && document.activeElement.matches(s)", selector
        ):
            operated_by_keyboard(page)
            return
    raise AssertionError(f"{selector} cannot be reached with the Tab key")


def _enter(page) -> None:
    """Press Enter on the focused link or button and wait for the next page."""
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_the_booking_can_be_done_with_the_keyboard_alone(page, live_url, world):
    jobseeker = world.jobseeker(number="33010-00055555", email="keys@example.jp")
    ConsentFactory(jobseeker=jobseeker, terms_version=world.terms)
    session_key = shared_journey_session(jobseeker, checklist=False)
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session_key, "url": live_url}]
    )
    page.goto(f"{live_url}/book/")
    expect(page).to_have_url(f"{live_url}/book/checklist/")
    for key in CHECKLIST_KEYS:
        _tab_to(page, f"input[name={key}]")
        page.keyboard.press("Space")
    _tab_to(page, "main button[type=submit]")
    _enter(page)

    expect(page).to_have_url(f"{live_url}/book/date/")
    _tab_to(page, f"a[href='/book/date/{world.day.isoformat()}/']")
    _enter(page)
    _tab_to(page, "input[name=slot]")
    page.keyboard.press("Space")
    _tab_to(page, "main button[type=submit]")
    _enter(page)

    expect(page).to_have_url(f"{live_url}/book/details/")
    _tab_to(page, "main button[type=submit]")
    _enter(page)
    expect(page).to_have_url(f"{live_url}/book/check/")
    _tab_to(page, "main button[type=submit]")
    _enter(page)
    expect(page.locator("#reference")).to_be_visible()
    assert jobseeker.reservations.count() == 1


ADMIN_PAGES = [
    "/admin/",
    "/admin/bookings/reservation/dashboard/",
    "/admin/bookings/reservation/today/",
    "/admin/bookings/slot/day/",
    "/admin/bookings/slot/week/",
    "/admin/bookings/reservation/",
    "/admin/bookings/reservation/phone/",
    "/admin/bookings/reservation/figures/",
    "/admin/bookings/slot/",
    "/admin/jobseekers/jobseeker/",
    "/admin/notifications/notification/",
]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_main_admin_pages_pass_axe(browser, live_url, world, language):
    jobseeker = world.jobseeker(number="33010-00066666", email="admin@example.jp")
    ConsentFactory(jobseeker=jobseeker, terms_version=world.terms)
    reservation = reservation_create(
        slot=world.slots[0],
        jobseeker=jobseeker,
        environment_checklist=dict.fromkeys(CHECKLIST_KEYS, True),
    )
    staff = world.staff(username=f"desk-{language}")
    login = browser.new_context(locale="ja-JP")
    with_axe(login)
    page = login.new_page()
    check_page(page, f"{live_url}/admin/login/", "ja")
    login.close()

    context = admin_context(browser, live_url, staff, viewport={"width": 1280, "height": 800})
    context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_url}]
    )
    with_axe(context)
    page = context.new_page()
    for path in [
        *ADMIN_PAGES,
        f"/admin/bookings/reservation/{reservation.pk}/change/",
        f"/admin/bookings/reservation/{reservation.pk}/session/",
        f"/admin/bookings/reservation/{reservation.pk}/phone/",
        f"/admin/jobseekers/jobseeker/{jobseeker.pk}/change/",
    ]:
        response = page.goto(live_url + path)
        assert response is not None and response.status == 200, f"{path}: {response.status}"
        expect(page.locator("html")).to_have_attribute("lang", language)
        assert_accessible(page, path, best_practice=False)
    context.close()
