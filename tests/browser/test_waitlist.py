"""「空きが出たら知らせる」 in Chromium on a phone (360 px, Japanese): asking on a full day,
withdrawing from the day page and from the email's link, and the offer email after another
jobseeker cancels, whose link leads to the day with the time free. axe on every page."""

import pytest
from django.conf import settings
from playwright.sync_api import expect

from bookings.checklist import CHECKLIST_KEYS
from bookings.services.reservations import reservation_cancel, reservation_create
from tests.factories import ConsentFactory
from tests.helpers import journey_session

from .a11y import assert_accessible, horizontal_overflow, with_axe
from .world import run_worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.dates]

PHONE = {"width": 360, "height": 740}
ASK = "空きが出たらメールで知らせる"
WITHDRAW = "この申込みを取り下げる"


def _checked(page, where: str) -> None:
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    assert_accessible(page, where)
    assert horizontal_overflow(page) <= 0, f"{where} scrolls sideways at 360 px"


def test_asking_withdrawing_and_the_offer_on_a_phone(browser, live_url, world, outbox, site_url):
    # Every time of the day is booked by others.
    others = []
    for n, slot in enumerate(world.slots):
        other = world.jobseeker(number=f"33010-0007{n:04d}")
        ConsentFactory(jobseeker=other, terms_version=world.terms)
        others.append(
            reservation_create(
                slot=slot,
                jobseeker=other,
                environment_checklist=dict.fromkeys(CHECKLIST_KEYS, True),
            )
        )
    jobseeker = world.jobseeker(number="33010-00012345", email="waiting@example.jp")
    ConsentFactory(jobseeker=jobseeker, terms_version=world.terms)
    context = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo", viewport=PHONE)
    context.add_cookies(
        [
            {"name": settings.LANGUAGE_COOKIE_NAME, "value": "ja", "url": live_url},
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": journey_session(jobseeker),
                "url": live_url,
            },
        ]
    )
    with_axe(context)
    page = context.new_page()
    day_url = f"{live_url}/book/date/{world.day.isoformat()}/"

    # From the calendar: the full day is a link (×), not a dead end.
    page.goto(f"{live_url}/book/date/?month={world.day:%Y-%m}")
    _checked(page, "calendar with a full day")
    page.locator(f"a[href='/book/date/{world.day.isoformat()}/']").click()
    expect(page).to_have_url(day_url)
    _checked(page, "full day")
    page.get_by_role("button", name=ASK).click()
    expect(page.get_by_role("button", name=WITHDRAW)).to_be_visible()
    _checked(page, "day with the request")

    # Withdrawn from the day page: the form is back.
    page.get_by_role("button", name=WITHDRAW).click()
    expect(page.get_by_role("button", name=ASK)).to_be_visible()

    # Asked again (the whole week this time); the list shows it.
    page.get_by_label("この週のいずれかの日", exact=False).check()
    page.get_by_role("button", name=ASK).click()
    page.goto(f"{live_url}/book/notify/")
    expect(page.get_by_role("button", name="取り下げる", exact=False)).to_have_count(1)
    _checked(page, "list of requests")

    # Withdrawn from the confirmation email's link (a page with a button, then done).
    run_worker()
    [added] = [m for m in outbox.to("waiting@example.jp") if "/notify/withdraw/" in m.text]
    [link] = [u for u in added.links() if "/notify/withdraw/" in u]
    page.goto(link)
    _checked(page, "withdraw link")
    page.get_by_role("button", name=WITHDRAW).click()
    expect(page.get_by_text("申込みを取り下げました", exact=False)).to_be_visible()
    _checked(page, "withdrawn")

    # Asked once more; another jobseeker cancels: the offer arrives and its link shows the time.
    page.goto(day_url)
    page.get_by_role("button", name=ASK).click()
    expect(page.get_by_role("button", name=WITHDRAW)).to_be_visible()
    reservation_cancel(reservation=others[1])
    run_worker()
    [offer] = [
        m for m in outbox.to("waiting@example.jp") if m.subject == "ご希望の日に空きが出ました"
    ]
    [day_link] = [u for u in offer.links() if "/book/date/" in u]
    page.goto(day_link)
    expect(page.get_by_label("10:30〜11:00", exact=False)).to_be_visible()
    _checked(page, "day after the offer")
    context.close()
