"""The jobseeker's journeys in a real browser, from the start page to the invitation email.

Each journey runs against the live server in headless Chromium; emails go to a local outbox
folder (the file backend) and the test process plays the Celery worker. Screenshots at 375×667
and 1280×800 of each step are kept under test-artifacts/.
"""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from bookings.checklist import CHECKLIST_KEYS
from bookings.models import Reservation, ReservationStatus
from bookings.services.reservations import reservation_access_token, reservation_create
from bookings.services.sessions import noshow_sweep
from tests.factories import ConsentFactory, ReservationFactory, SlotFactory

from .a11y import assert_accessible, with_axe
from .world import admin_context, run_worker, shots

# The outcome depends on the date the suite runs at: `make test-dates` runs it at each date.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.dates]


def _submit(page) -> None:
    page.locator("main button[type=submit]").first.click()


def sign_in(page, live_url: str, outbox, jobseeker, *, english: bool = False, snap=None) -> None:
    """Start page → "booked before" → the one-time link from the outbox → signed in."""
    page.goto(f"{live_url}/")
    if english:
        page.locator("form.lang-switch button").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
    if snap:
        shots(page, snap, "01-start")
    page.locator("a[href='/identify/returning/']").first.click()
    page.fill("input[name=number]", jobseeker.number)
    page.fill("input[name=email]", jobseeker.email)
    if snap:
        shots(page, snap, "02-identify")
    _submit(page)
    expect(page).to_have_url(f"{live_url}/identify/sent/")
    run_worker()  # the sign-in email is an outbox row like every other
    mails = outbox.to(jobseeker.email)
    assert mails, "no sign-in email in the outbox"
    link = next(url for url in mails[-1].links() if "/signin/" in url)
    page.goto(link)
    _submit(page)


def book(page, live_url: str, world, *, slot, snap=None) -> str:
    """From the terms to the confirmation; returns the reference shown."""
    expect(page).to_have_url(f"{live_url}/book/terms/")
    page.check("input[name=agree_terms]")
    page.check("input[name=agree_app_terms]")
    if snap:
        shots(page, snap, "03-terms")
    _submit(page)
    expect(page).to_have_url(f"{live_url}/book/checklist/")
    for box in page.locator("main input[type=checkbox]").all():
        box.check()
    if snap:
        shots(page, snap, "04-checklist")
    _submit(page)
    expect(page).to_have_url(f"{live_url}/book/date/")
    day_link = page.locator(f"a[href='/book/date/{world.day.isoformat()}/']")
    if not day_link.count():
        page.locator("nav.month-nav a").last.click()
    if snap:
        shots(page, snap, "05-calendar")
    day_link.click()
    page.check(f"input[name=slot][value='{slot.pk}']")
    if snap:
        shots(page, snap, "06-time")
    _submit(page)
    expect(page).to_have_url(f"{live_url}/book/details/")
    if snap:
        shots(page, snap, "07-details")
    _submit(page)
    expect(page).to_have_url(f"{live_url}/book/check/")
    if snap:
        shots(page, snap, "08-check")
    _submit(page)
    expect(page.locator("#reference")).to_be_visible()
    if snap:
        shots(page, snap, "09-confirmation")
    return page.locator("#reference").inner_text().strip()


def open_invitation(page, outbox, jobseeker, reference: str):
    """Play the worker, find the invitation in the outbox, open its reservation link."""
    assert run_worker() >= 1
    invitation = next(m for m in outbox.to(jobseeker.email) if reference in m.subject)
    assert any(name.endswith(".ics") or "calendar" in name for name in invitation.attachments)
    link = next(url for url in invitation.links() if "/r/" in url)
    page.goto(link)
    expect(page.locator("main")).to_contain_text(reference)
    return invitation


def test_a_jobseeker_books_in_japanese_and_opens_the_invitation(
    page, live_url, site_url, world, outbox, snap
):
    jobseeker = world.jobseeker(number="33010-00012345", email="taro@example.jp")
    sign_in(page, live_url, outbox, jobseeker, snap=snap)
    reference = book(page, live_url, world, slot=world.slots[0], snap=snap)
    expect(page.locator("main")).to_contain_text("予約")

    reservation = Reservation.objects.get(reference=reference)
    assert reservation.jobseeker == jobseeker and reservation.slot == world.slots[0]
    assert reservation.status == ReservationStatus.CONFIRMED
    assert all(reservation.environment_checklist.values())

    invitation = open_invitation(page, outbox, jobseeker, reference)
    assert reservation.meeting_url in invitation.text
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.locator(f"a[href='{reservation.meeting_url}']")).to_be_visible()
    shots(page, snap, "10-reservation-page")


def test_a_jobseeker_books_in_english_and_gets_the_invitation_in_english(
    page, live_url, site_url, world, outbox, snap
):
    jobseeker = world.jobseeker(number="33010-00054321", email="emma@example.jp")
    sign_in(page, live_url, outbox, jobseeker, english=True, snap=snap)
    reference = book(page, live_url, world, slot=world.slots[1], snap=snap)
    expect(page.locator("h1")).to_contain_text("Your consultation is booked")

    invitation = open_invitation(page, outbox, jobseeker, reference)
    assert invitation.subject.startswith("Invitation")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Your reservation")
    shots(page, snap, "10-reservation-page")


def test_a_suspended_jobseeker_is_turned_away_with_the_office_phone(
    page, live_url, site_url, world, outbox, snap
):
    jobseeker = world.jobseeker(
        number="33010-00099999",
        email="suspended@example.jp",
        suspended=True,
        suspension_reason="Art 13(1)",
    )
    sign_in(page, live_url, outbox, jobseeker)
    expect(page).to_have_url(f"{live_url}/book/unavailable/")
    expect(page.locator("main")).to_contain_text(world.office.phone)
    shots(page, snap, "gate")
    page.goto(f"{live_url}/book/check/")
    expect(page).to_have_url(f"{live_url}/book/unavailable/")
    assert not Reservation.objects.filter(jobseeker=jobseeker).exists()


def test_a_no_show_is_recorded_ten_minutes_after_the_start(
    page, browser, live_url, site_url, world, outbox, snap
):
    jobseeker = world.jobseeker(number="33010-00077777", email="late@example.jp")
    ConsentFactory(jobseeker=jobseeker, terms_version=world.terms)
    slot = world.slots[2]
    reservation = reservation_create(
        slot=slot, jobseeker=jobseeker, environment_checklist=dict.fromkeys(CHECKLIST_KEYS, True)
    )
    run_worker()

    # Nine minutes after the start: nothing happens yet. Ten minutes: a no-show (Art 6(5)).
    with time_machine.travel(slot.starts_at + dt.timedelta(minutes=9, seconds=59), tick=False):
        assert noshow_sweep(now=timezone.now()) == 0
    with time_machine.travel(slot.starts_at + dt.timedelta(minutes=10, seconds=1), tick=False):
        assert noshow_sweep(now=timezone.now()) == 1
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.NO_SHOW

    run_worker()
    assert any(reservation.reference in m.subject for m in outbox.to(jobseeker.email)[1:])

    page.goto(f"{live_url}/r/{reservation_access_token(reservation)}/")
    expect(page.locator("main")).to_contain_text(reservation.get_status_display())
    shots(page, snap, "reservation-page-no-show")

    staff = world.staff(username="desk")
    context = admin_context(browser, live_url, staff)
    with_axe(context)
    admin = context.new_page()
    admin.goto(f"{live_url}/admin/bookings/reservation/?status__exact=no_show")
    expect(admin.locator("#result_list")).to_contain_text(reservation.reference)
    shots(admin, snap, "admin-no-shows")
    assert_accessible(admin, "admin reservation list", best_practice=False)
    context.close()


def _booked(world, jobseeker, slot) -> Reservation:
    ConsentFactory(jobseeker=jobseeker, terms_version=world.terms)
    reservation = reservation_create(
        slot=slot, jobseeker=jobseeker, environment_checklist=dict.fromkeys(CHECKLIST_KEYS, True)
    )
    run_worker()
    return reservation


def test_staff_record_a_phoned_in_cancellation(browser, live_url, site_url, world, outbox, snap):
    jobseeker = world.jobseeker(number="33010-00088888", email="caller@example.jp")
    reservation = _booked(world, jobseeker, world.slots[0])
    staff = world.staff(username="phone-desk")
    context = admin_context(browser, live_url, staff, viewport={"width": 1280, "height": 800})
    with_axe(context)
    page = context.new_page()

    page.goto(f"{live_url}/admin/bookings/reservation/phone/")
    page.fill("input[name=q]", "３３０１０ー８８８８８")  # typed as people type it on the phone
    page.locator("#content-main input[type=submit]").click()
    expect(page.locator("#content-main")).to_contain_text(reservation.reference)
    shots(page, snap, "01-phone-search")
    assert_accessible(page, "phone search", best_practice=False)
    page.locator(f"a[href='/admin/bookings/reservation/{reservation.pk}/phone/']").click()

    page.fill("input[name=reason]", "体調不良のため")
    shots(page, snap, "02-phone-form")
    assert_accessible(page, "phone form", best_practice=False)
    page.locator("form:has(input[name=action][value=cancel]) input[type=submit]").click()
    shots(page, snap, "03-phone-confirm")
    page.locator("form:has(input[name=confirm][value=yes]) input[type=submit]").click()
    expect(page.locator("ul.messagelist")).to_contain_text(reservation.reference)
    shots(page, snap, "04-phone-done")
    context.close()

    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.CANCELLED
    assert reservation.cancel_channel == "phone"
    assert reservation.cancel_reason == "体調不良のため"
    assert reservation.cancelled_by == staff
    run_worker()
    cancellation = outbox.to(jobseeker.email)[-1]
    assert reservation.reference in cancellation.subject
    assert cancellation.attachments
    # The slot is open again: another jobseeker can book it.
    other = world.jobseeker(number="33010-00088889", email="next@example.jp")
    assert _booked(world, other, world.slots[0]).status == ReservationStatus.CONFIRMED


def test_a_counselor_books_the_follow_up_during_the_session(
    browser, live_url, site_url, world, outbox, snap
):
    jobseeker = world.jobseeker(number="33010-00010101", email="session@example.jp")
    ConsentFactory(jobseeker=jobseeker, terms_version=world.terms)
    now = timezone.now()
    current = ReservationFactory(
        jobseeker=jobseeker,
        slot=SlotFactory(
            counselor=world.counselor,
            starts_at=now.replace(second=0, microsecond=0) - dt.timedelta(minutes=3),
        ),
    )
    counselor = world.counselor.user
    world.grant(counselor, "Counselor")
    context = admin_context(browser, live_url, counselor, viewport={"width": 1280, "height": 800})
    with_axe(context)
    page = context.new_page()

    page.goto(f"{live_url}/admin/bookings/reservation/{current.pk}/session/")
    page.locator("form:has(input[name=action][value=start]) input[type=submit]").click()
    shots(page, snap, "01-session")
    assert_accessible(page, "session page", best_practice=False)
    page.locator(f"a[href='/admin/bookings/reservation/{current.pk}/follow-up/']").first.click()
    shots(page, snap, "02-follow-up")
    assert_accessible(page, "follow-up page", best_practice=False)
    # The time (one of the counselor's next free times), then the confirmation.
    page.locator(f".pick-times a[href='?slot={world.slots[1].pk}']").first.click()
    expect(page.locator("#confirm-heading")).to_be_visible()
    page.locator("#content-main form button[type=submit]").click()
    expect(page.locator("ul.messagelist")).to_be_visible()
    shots(page, snap, "03-follow-up-booked")
    context.close()

    follow_up = Reservation.objects.get(previous=current)
    assert follow_up.status == ReservationStatus.CONFIRMED
    assert follow_up.slot == world.slots[1]
    assert follow_up.source == "in_session"
    # Art 6(4): confirmed at once, and its invitation goes out immediately.
    run_worker()
    assert any(follow_up.reference in m.subject for m in outbox.to(jobseeker.email))
