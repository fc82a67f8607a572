"""Pages a jobseeker reaches after booking, in Chromium at 320 px: the reservation page of a
cancelled booking and the 429 page pass axe and do not scroll sideways."""

import pytest
from django.conf import settings

from bookings.checklist import CHECKLIST_KEYS
from bookings.services.reservations import (
    reservation_access_token,
    reservation_cancel,
    reservation_create,
)
from tests.factories import ConsentFactory

from .a11y import assert_accessible, horizontal_overflow, with_axe

# The outcome depends on the date the suite runs at: `make test-dates` runs it at each date.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.dates]


def _context(browser, live_url, language):
    context = browser.new_context(viewport={"width": 320, "height": 640})
    context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_url}]
    )
    with_axe(context)
    return context


@pytest.mark.parametrize("language", ["ja", "en"])
def test_cancelled_reservation_and_lockout_pages(browser, live_url, world, language, settings):
    booked = world.jobseeker(number="33010-00055555", email="gone@example.jp")
    ConsentFactory(jobseeker=booked, terms_version=world.terms)
    reservation = reservation_create(
        slot=world.slots[2],
        jobseeker=booked,
        environment_checklist=dict.fromkeys(CHECKLIST_KEYS, True),
    )
    reservation_cancel(reservation=reservation)
    context = _context(browser, live_url, language)
    page = context.new_page()
    page.goto(f"{live_url}/r/{reservation_access_token(reservation)}/")
    assert page.locator("#booking-again").is_visible()
    assert_accessible(page, "cancelled reservation")
    assert horizontal_overflow(page) <= 0

    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "identify_ip": (0, 3600)}
    page.goto(f"{live_url}/identify/returning/")
    page.fill("#id_number", "33010-00055555")
    page.fill("#id_email", "gone@example.jp")
    page.locator("main button[type=submit]").click()
    assert page.locator(".office-phones a[href^='tel:']").count() >= 1
    assert_accessible(page, "429 page")
    assert horizontal_overflow(page) <= 0
    context.close()
