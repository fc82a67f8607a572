"""Issue 18: the custom staff pages' breadcrumb bar is padded like Django's own, and a
reservation's reference stays on one line in the reservation list (Chromium, 1024 px)."""

import datetime as dt

import pytest
from django.utils import timezone

from core.calendar import TOKYO, tokyo_date
from tests.factories import ReservationFactory, SlotFactory

from .world import admin_context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NARROW = {"width": 1024, "height": 768}


def test_breadcrumbs_are_padded_and_references_do_not_wrap(browser, live_url, world):
    starts_at = dt.datetime.combine(
        tokyo_date(timezone.now()) + dt.timedelta(days=1), dt.time(10), tzinfo=TOKYO
    )
    reservation = ReservationFactory(
        jobseeker=world.jobseeker(),
        slot=SlotFactory(counselor=world.counselor, starts_at=starts_at),
    )
    context = admin_context(browser, live_url, world.staff(), viewport=NARROW)
    page = context.new_page()
    for path in ("/admin/bookings/slot/day/", "/admin/bookings/reservation/phone/"):
        page.goto(live_url + path)
        crumbs = page.locator(".breadcrumbs").first
        padding = crumbs.evaluate("e => parseFloat(getComputedStyle(e).paddingLeft)")
        background = crumbs.evaluate("e => getComputedStyle(e).backgroundColor")
        assert padding >= 15, (path, padding)
        assert background not in ("rgba(0, 0, 0, 0)", "transparent"), (path, background)
    page.goto(live_url + "/admin/bookings/reservation/")
    reference = page.locator("span.reference", has_text=reservation.reference).first
    assert reference.evaluate("e => getComputedStyle(e).whiteSpace") == "nowrap"
    box = reference.bounding_box()
    line = reference.evaluate("e => parseFloat(getComputedStyle(e).lineHeight) || 20")
    assert box is not None and box["height"] < 1.8 * line, box
    context.close()
