"""「予約の確認」 and changing the time in Chromium, on a phone (360 px) in Japanese (issue 19):
from the email's link to the list, the month and day pages in change mode, the check page and
the list again; axe finds nothing serious or critical and nothing scrolls sideways."""

import pytest
from django.conf import settings

from bookings.checklist import CHECKLIST_KEYS
from bookings.models import Reservation
from bookings.services.reservations import reservation_create
from tests.factories import ConsentFactory
from tests.helpers import journey_session

from .a11y import assert_accessible, horizontal_overflow, with_axe
from .world import run_worker

# The outcome depends on the date the suite runs at: `make test-dates` runs it at each date.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.dates]

PHONE = {"width": 360, "height": 740}


def _checked(page, where: str) -> None:
    assert_accessible(page, where)
    assert horizontal_overflow(page) <= 0, f"{where} scrolls sideways at 360 px"


def test_my_reservations_and_changing_the_time_at_360_px(
    browser, live_url, world, outbox, site_url
):
    world.office.online_cancellation_allowed = True
    world.office.save()
    jobseeker = world.jobseeker(number="33010-00077777", email="mine@example.jp")
    ConsentFactory(jobseeker=jobseeker, terms_version=world.terms)
    reservation = reservation_create(
        slot=world.slots[0],
        jobseeker=jobseeker,
        environment_checklist=dict.fromkeys(CHECKLIST_KEYS, True),
    )
    run_worker()
    (invitation,) = outbox.to("mine@example.jp")
    mine_link = next(link for link in invitation.links() if link.endswith("/mine/"))

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

    page.goto(mine_link)
    assert page.get_by_role("heading", level=1).inner_text() == "予約の確認"
    assert page.get_by_role("link", name="予約の確認").first.is_visible()  # the header's link
    _checked(page, "my reservations")

    page.get_by_role("link", name="日時を変更する").click()
    assert page.locator("#changing").is_visible()
    _checked(page, "month page, changing the time")
    day = world.day.isoformat()
    if f"/book/date/{day}/" not in page.content():
        page.goto(f"{live_url}/book/date/?month={world.day:%Y-%m}")
    page.locator(f'a[href="/book/date/{day}/"]').click()
    page.get_by_label("11:00〜").check()
    page.get_by_role("button", name="次へ進む").click()

    assert page.url.endswith("/mine/change/")
    assert "11:00〜11:30" in page.locator("#new-time").inner_text()
    _checked(page, "change check page")
    page.get_by_role("button", name="新しい日時に変更する").click()

    assert page.url.endswith("/mine/")
    assert page.locator("#moved").is_visible()
    _checked(page, "my reservations after the change")
    context.close()

    reservation.refresh_from_db()
    assert reservation.slot_id == world.slots[2].pk and reservation.sequence == 1
    assert not Reservation.objects.active().filter(slot=world.slots[0]).exists()
    run_worker()
    changed = [m for m in outbox.to("mine@example.jp") if m.subject.startswith("【日時変更】")]
    assert len(changed) == 1 and changed[0].attachments == ["invitation.ics"]
