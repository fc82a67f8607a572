"""Issue 18: a counselor runs a consultation from their day, in Chromium, at 1280 and 1024 px.

Open the admin (the day), start the next consultation, end it, book the follow-up (a time,
then the confirmation, by keyboard), note the outcome. Each page is checked with axe and
photographed (test-artifacts/); the clicks are counted and printed.
"""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from bookings.checklist import CHECKLIST_KEYS
from bookings.models import Reservation, ReservationSource, ReservationStatus
from core.calendar import tokyo_date
from tests.factories import ReservationFactory, SlotFactory

from .a11y import assert_accessible, horizontal_overflow, operated_by_keyboard, with_axe
from .world import admin_context

# The outcome depends on the date the suite runs at: `make test-dates` runs it at each date.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.dates]


def _starts_now() -> dt.datetime:
    """A start time of today (Tokyo) from which the consultation can be started now."""
    now = timezone.now().replace(second=0, microsecond=0)
    earlier = now - dt.timedelta(minutes=1)
    return earlier if tokyo_date(earlier) == tokyo_date(now) else now + dt.timedelta(minutes=1)


def _check(page, snap, name: str, width: int) -> None:
    expect(page.locator("#content")).to_be_visible()
    assert_accessible(page, name)
    assert horizontal_overflow(page) <= 0, f"{name} is wider than {width} px"
    body = page.locator("#content").inner_text()
    assert "{" not in body and "UTC" not in body, name
    snap(page, f"{name}-{width}")


@pytest.mark.parametrize("width", [1280, 1024])
def test_a_counselor_runs_a_consultation_from_the_day(browser, live_url, world, snap, width):
    user = world.counselor.user
    world.grant(user, "Counselor")
    jobseeker = world.jobseeker(
        number="33010-00077777",
        family_name="髙橋",
        given_name="りん",
        family_name_kana="タカハシ",
        given_name_kana="リン",
    )
    reservation = ReservationFactory(
        jobseeker=jobseeker,
        slot=SlotFactory(counselor=world.counselor, starts_at=_starts_now()),
        interpreter_language="英語",
        note="書類を持参",
        environment_checklist=dict.fromkeys(CHECKLIST_KEYS, True),
        meeting_url="https://zoom.example/j/7777",
    )
    context = admin_context(browser, live_url, user, viewport={"width": width, "height": 800})
    with_axe(context)
    page = context.new_page()
    clicks = 0

    # Open: the admin's home is the counselor's day, the next consultation highlighted.
    page.goto(f"{live_url}/admin/")
    expect(page).to_have_url(f"{live_url}/admin/bookings/reservation/today/")
    row = page.locator(f"#reservation-{reservation.pk}")
    expect(row).to_have_class(re.compile(r"\bday-next\b"))
    expect(row).to_contain_text("髙橋 りん")
    expect(row).to_contain_text("タカハシ リン")
    meeting = row.get_by_role("link", name="ミーティングを開く")
    expect(meeting).to_have_attribute("target", "_blank")
    expect(meeting).to_have_attribute("rel", "noopener noreferrer")
    _check(page, snap, "1-day", width)

    # Start: the one button of the row.
    row.locator("button.day-action-start").click()
    clicks += 1
    expect(page.locator(".messagelist")).to_contain_text("開始")
    _check(page, snap, "2-day-started", width)

    # End: the row's button leads to the session page's end form.
    page.locator(f"#reservation-{reservation.pk} a.day-action-end").click()
    clicks += 1
    expect(page.locator("#end-heading")).to_be_visible()
    _check(page, snap, "3-session", width)
    page.locator("#end button.day-action-end").click()
    clicks += 1
    expect(page.locator("#after-heading")).to_be_visible()

    # Follow-up: the counselor's next free times, a time, then the confirmation, by keyboard.
    page.locator("a.day-action-follow_up").click()
    clicks += 1
    expect(page.locator("#own-heading")).to_be_visible()
    _check(page, snap, "4-follow-up", width)
    first_time = page.locator(".pick-times a.button").first
    first_time.focus()
    page.keyboard.press("Enter")
    clicks += 1
    expect(page.locator("#confirm-heading")).to_be_visible()
    _check(page, snap, "5-follow-up-confirm", width)
    expect(page.locator("button.day-action")).to_be_focused()  # autofocus: Enter books it
    page.keyboard.press("Enter")
    clicks += 1
    expect(page.locator(".messagelist")).to_contain_text("次回の相談")
    page.wait_for_load_state("load")
    operated_by_keyboard(page)
    follow_up = Reservation.objects.get(previous=reservation)
    assert follow_up.source == ReservationSource.IN_SESSION
    assert follow_up.slot_id == world.slots[0].pk

    # Outcome: noted last, on the same page.
    page.locator("textarea[name=outcome]").fill("求人票を3件紹介。次回は応募書類を確認。")
    page.get_by_role("button", name="相談結果を保存").click()
    clicks += 1
    expect(page.locator(".messagelist")).to_contain_text("相談結果を保存しました")
    _check(page, snap, "6-session-done", width)
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.COMPLETED
    assert reservation.outcome.startswith("求人票")

    # The day again: the next consultation is no longer this one.
    page.goto(f"{live_url}/admin/bookings/reservation/today/")
    expect(page.locator(f"#reservation-{reservation.pk}")).not_to_have_class(
        re.compile(r"\bday-next\b")
    )
    print(f"\ncounselor's consultation at {width}px: {clicks} clicks")  # noqa: T201
    assert clicks == 7
    context.close()
