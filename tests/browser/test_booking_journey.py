"""One booking in real headless Chromium, from the start page to the confirmation."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from bookings.models import Reservation
from core.calendar import TOKYO, closed_reason
from tests.factories import (
    CounselorFactory,
    JobseekerFactory,
    OfficeFactory,
    SlotFactory,
    TermsVersionFactory,
)
from tests.helpers import send_queued

from .a11y import loaded

# The outcome depends on the date the suite runs at: `make test-dates` runs it at each date.
pytestmark = pytest.mark.dates

NARROW = {"width": 320, "height": 640}


def _bookable_day() -> dt.date:
    """An open weekday at least two days ahead (past the cut-off, inside the horizon)."""
    day = timezone.now().astimezone(TOKYO).date() + dt.timedelta(days=2)
    while closed_reason(day):
        day += dt.timedelta(days=1)
    return day


def _no_horizontal_scroll(page) -> bool:
    loaded(page)
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _small_targets(page) -> list[str]:
    """Buttons, choice rows and calendar days smaller than 44 x 44 CSS pixels."""
    loaded(page)
    return page.evaluate(
        """() => Array.from(document.querySelectorAll(
            'button, .button, .radio, .checkbox, table.month a, .summary a.change'
        )).filter(e => {
            const r = e.getBoundingClientRect();
            return r.height < 44 || r.width < 44;
        }).map(e => e.outerHTML.slice(0, 80))"""
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_jobseeker_books_from_the_start_page_to_the_confirmation(page, live_url, snap):
    office = OfficeFactory(phone="086-222-2222", registration_code="33019")
    TermsVersionFactory(bureau=office.bureau)
    # Made by staff with the address the jobseeker gave at the counter, not yet proven: the
    # first visit with that address gets a link that signs in.
    jobseeker = JobseekerFactory(
        office=office, number="33019-00012345", email="hanako@example.jp", email_verified_at=None
    )
    day = _bookable_day()
    slot = SlotFactory(
        counselor=CounselorFactory(office=office),
        starts_at=dt.datetime.combine(day, dt.time(10, 0), tzinfo=TOKYO),
    )
    page.set_viewport_size(NARROW)

    page.goto(f"{live_url}/")
    assert _no_horizontal_scroll(page)
    snap(page, "01-start")
    page.get_by_role("link", name="予約を始める").click()

    page.get_by_role("button", name="リンクを送る").click()
    assert page.title().startswith("エラー：")
    # site.js moves the focus once the page is parsed: waited for, not read at once (the
    # browser may first revalidate the script).
    expect(page.locator("#error-summary")).to_be_focused()
    snap(page, "02-identify-errors")
    page.fill("#id_number", "３３０１９－１２３４５")
    page.fill("#id_family_name", "山田")
    page.fill("#id_given_name", "花子")
    page.fill("#id_family_name_kana", "やまだ")
    page.fill("#id_given_name_kana", "ﾊﾅｺ")
    page.fill("#id_email", "hanako@example.jp")
    page.get_by_role("button", name="リンクを送る").click()
    assert page.get_by_role("heading", level=1).inner_text() == "メールをご確認ください"

    assert send_queued() == 1  # the Celery worker's part
    link = re.search(r"https?://[^/\s]+(/signin/[^/\s]+/)", mail.outbox[-1].body).group(1)
    page.goto(f"{live_url}{link}")
    page.get_by_role("button", name="次へ進む").click()

    assert "ステップ 2/6" in page.inner_text(".steps")
    assert page.locator('.steps [aria-current="step"]').inner_text().endswith("利用規約")
    page.check("#id_agree_terms")
    page.check("#id_agree_app_terms")
    snap(page, "03-terms")
    page.get_by_role("button", name="同意して次へ進む").click()

    for box in page.locator("input[type=checkbox]").all():
        box.check()
    assert _no_horizontal_scroll(page)
    assert _small_targets(page) == []
    snap(page, "04-checklist")
    page.get_by_role("button", name="次へ進む").click()

    month = f"?month={day:%Y-%m}"
    if f"/book/date/{day.isoformat()}/" not in page.content():
        page.goto(f"{live_url}/book/date/{month}")
    assert _no_horizontal_scroll(page)
    assert _small_targets(page) == []
    snap(page, "05-calendar")
    page.locator(f'a[href="/book/date/{day.isoformat()}/"]').click()

    page.get_by_label("10:00〜").check()
    snap(page, "06-day")
    page.get_by_role("button", name="次へ進む").click()

    page.get_by_role("button", name="次へ進む").click()

    assert page.locator("h1").inner_text() == "入力内容の確認"
    assert f"{day.month}月{day.day}日" in page.inner_text("main")
    assert "10:00〜10:30" in page.inner_text("main")
    assert _no_horizontal_scroll(page)
    assert _small_targets(page) == []
    snap(page, "07-check")
    page.get_by_role("button", name="この内容で予約する").click()

    reference = page.locator("#reference").inner_text().strip()
    snap(page, "08-confirmation")
    assert re.fullmatch(r"[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}", reference)
    reservation = Reservation.objects.get(reference=reference)
    assert reservation.jobseeker == jobseeker
    assert reservation.slot == slot
    assert "10:00〜10:30" in page.inner_text(".panel")
    assert _no_horizontal_scroll(page)
    jobseeker.refresh_from_db()
    assert jobseeker.email_verified_at is not None
