"""The back-office pages of docs/staff-guide.md, opened as staff would, and their screenshots.

Each page must answer 200 with its heading. The screenshots go to test-artifacts/; with
UPDATE_DOCS_IMAGES=1 they also replace the ones in docs/img/ that the staff guide shows:

    UPDATE_DOCS_IMAGES=1 .venv/bin/pytest tests/browser/test_staff_guide.py
"""

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from bookings.models import ReservationSource, ReservationStatus
from consent.models import TermsVersion
from core.calendar import TOKYO, tokyo_date
from notifications.services.outbox import invitation_queue
from tests.factories import ReservationFactory, SlotFactory, UserFactory

from .test_staff_tasks import TASK_SHOTS
from .world import DESKTOP, admin_context

# The outcome depends on the date the suite runs at: `make test-dates` runs it at each date.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.dates]

VIEWPORT = {"width": DESKTOP[0], "height": DESKTOP[1]}
DOC_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "img"
PEOPLE = [
    ("山田", "花子", "ヤマダ", "ハナコ"),
    ("佐藤", "一郎", "サトウ", "イチロウ"),
    ("鈴木", "美咲", "スズキ", "ミサキ"),
    ("高橋", "健太", "タカハシ", "ケンタ"),
    ("田中", "陽子", "タナカ", "ヨウコ"),
]


def _today_at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(tokyo_date(timezone.now()), dt.time(hour, minute), tzinfo=TOKYO)


def _a_working_day(world) -> dict:
    """Today's schedule with each status staff meet, and one invitation not yet sent."""
    jobseekers = [
        world.jobseeker(
            number=f"33010-{20000 + i:08d}",
            family_name=family,
            given_name=given,
            family_name_kana=family_kana,
            given_name_kana=given_kana,
            email=f"guide{i}@example.jp",
        )
        for i, (family, given, family_kana, given_kana) in enumerate(PEOPLE)
    ]
    statuses = [
        (9, 0, ReservationStatus.COMPLETED),
        (9, 30, ReservationStatus.NO_SHOW),
        (10, 0, ReservationStatus.IN_SESSION),
        (13, 30, ReservationStatus.CONFIRMED),
        (15, 0, ReservationStatus.CONFIRMED),
    ]
    reservations = []
    for (hour, minute, status), jobseeker in zip(statuses, jobseekers, strict=True):
        slot = SlotFactory(counselor=world.counselor, starts_at=_today_at(hour, minute))
        reservation = ReservationFactory(
            jobseeker=jobseeker,
            slot=slot,
            status=status,
            started_at=slot.starts_at if status == ReservationStatus.IN_SESSION else None,
            no_show_at=slot.starts_at + dt.timedelta(minutes=10)
            if status == ReservationStatus.NO_SHOW
            else None,
            interpreter_language="English" if hour == 13 else "",
            source=ReservationSource.WEB,
        )
        reservations.append(reservation)
    for hour in (11, 14, 16):
        SlotFactory(counselor=world.counselor, starts_at=_today_at(hour))
    # Last week's consultations, for the figures.
    for days_ago, hour, status in [
        (7, 9, ReservationStatus.COMPLETED),
        (7, 10, ReservationStatus.COMPLETED),
        (7, 11, ReservationStatus.NO_SHOW),
        (6, 9, ReservationStatus.COMPLETED),
        (6, 10, ReservationStatus.CANCELLED),
    ]:
        starts_at = _today_at(hour) - dt.timedelta(days=days_ago)
        ReservationFactory(
            jobseeker=jobseekers[hour % len(jobseekers)],
            slot=SlotFactory(counselor=world.counselor, starts_at=starts_at),
            status=status,
            started_at=starts_at if status == ReservationStatus.COMPLETED else None,
            cancelled_at=starts_at - dt.timedelta(days=1)
            if status == ReservationStatus.CANCELLED
            else None,
        )
    invitation_queue(reservation=reservations[4])
    jobseekers[1].needs_review = True
    jobseekers[1].save()
    return {"jobseekers": jobseekers, "reservations": reservations}


def _save(page, snap, name: str) -> None:
    path = snap(page, name)
    # The pages of a staff task are photographed by that task (test_staff_tasks.py).
    if os.environ.get("UPDATE_DOCS_IMAGES") == "1" and name not in TASK_SHOTS:
        DOC_IMAGES.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(DOC_IMAGES / f"staff-{name}.png"))
    assert path.exists()


def _open(page, url: str) -> None:
    response = page.goto(url)
    assert response is not None and response.status == 200, f"{url}: {response.status}"
    expect(page.locator("#content")).to_be_visible()


def test_the_staff_guide_pages(browser, live_url, world, snap):
    day = _a_working_day(world)
    in_session = day["reservations"][2]
    upcoming = day["reservations"][3]
    reviewed = day["jobseekers"][1]
    staff = world.staff(username="guide-staff")

    login = browser.new_context(locale="ja-JP", viewport=VIEWPORT)
    page = login.new_page()
    _open(page, f"{live_url}/admin/login/")
    _save(page, snap, "login")
    login.close()

    context = admin_context(browser, live_url, staff, viewport=VIEWPORT)
    page = context.new_page()
    pages = [
        ("dashboard", "/admin/bookings/reservation/dashboard/"),
        ("today", "/admin/bookings/reservation/today/"),
        ("day", "/admin/bookings/slot/day/"),
        ("week", "/admin/bookings/slot/week/"),
        ("session", f"/admin/bookings/reservation/{in_session.pk}/session/"),
        ("follow-up", f"/admin/bookings/reservation/{in_session.pk}/follow-up/"),
        ("phone-search", "/admin/bookings/reservation/phone/?q=" + upcoming.jobseeker.number),
        ("phone", f"/admin/bookings/reservation/{upcoming.pk}/phone/"),
        ("reservations", "/admin/bookings/reservation/"),
        ("reservation", f"/admin/bookings/reservation/{upcoming.pk}/change/"),
        ("jobseeker", f"/admin/jobseekers/jobseeker/{reviewed.pk}/change/"),
        ("refusal", f"/admin/jobseekers/jobseeker/{reviewed.pk}/refusal/"),
        ("roster", "/admin/jobseekers/jobseeker/import-roster/"),
        ("notifications", "/admin/notifications/notification/"),
        ("figures", "/admin/bookings/reservation/figures/"),
    ]
    for name, path in pages:
        _open(page, live_url + path)
        _save(page, snap, name)
    context.close()

    bureau_admin = UserFactory(username="guide-bureau", is_superuser=True)
    world.grant(bureau_admin, "Office staff")
    context = admin_context(browser, live_url, bureau_admin, viewport=VIEWPORT)
    page = context.new_page()
    terms = TermsVersion.objects.get(pk=world.terms.pk)
    for name, path in [
        ("terms", "/admin/consent/termsversion/"),
        ("terms-version", f"/admin/consent/termsversion/{terms.pk}/change/"),
        ("usage", "/admin/jobseekers/usagerecord/"),
    ]:
        _open(page, live_url + path)
        _save(page, snap, name)
    context.close()


@pytest.mark.django_db(transaction=False)
def test_the_staff_guide_shows_only_images_that_exist():
    guide = (DOC_IMAGES.parent / "staff-guide.md").read_text(encoding="utf-8")
    shown = re.findall(r"\(img/(staff-[a-z-]+\.png)\)", guide)
    assert shown, "the staff guide shows no screenshot"
    missing = [name for name in shown if not (DOC_IMAGES / name).exists()]
    assert not missing, f"docs/img lacks {missing}: run with UPDATE_DOCS_IMAGES=1"
