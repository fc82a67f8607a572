"""Issue 19's "Done when": the whole jobseeker journey in one browser, in Japanese on a phone
(360×740) and in English on a laptop (1280×800), with the real outbox and the office's staff
in a second browser context:

first visit (a new number, the six fields) → told what happens → staff confirm the request in
the admin → the email saying they can book → its link → book → 「予約の確認」 lists it → change
the time (the old time is free, one updated invitation: same UID, higher SEQUENCE) → a full day
→ "notify me" → another jobseeker cancels by phone (the staff's phone desk) → the offer email →
its link → book from it.

Every page the jobseeker meets is checked with axe (nothing serious or critical); the staff's
admin pages with the WCAG rules. Screenshots of the key steps go to test-artifacts/.

The office allows two upcoming web bookings and online changes: with the default of one, a
jobseeker holding a booking may not book another, so asking to be told of a free time on
another day is refused (with the booking that causes it and the way to change its time).
"""

import datetime as dt
import email
import email.policy
import re

import pytest
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from bookings.checklist import CHECKLIST_KEYS
from bookings.models import Reservation, ReservationStatus
from bookings.services.reservations import reservation_create
from core.calendar import TOKYO
from jobseekers.models import Jobseeker, RegistrationRequest, RequestStatus
from tests.factories import ConsentFactory, SlotFactory

from .a11y import assert_accessible, horizontal_overflow, with_axe
from .outbox import SEPARATOR
from .world import admin_context, next_open_day, run_worker

# The days booked and changed are placed from the suite's clock: `make test-dates` runs it.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.dates]

PHONE = {"width": 360, "height": 740}
LAPTOP = {"width": 1280, "height": 800}


def t(language: str, message: str) -> str:
    with translation.override(language):
        return gettext(message)


def _ics_files(outbox, subject_part: str) -> list[str]:
    """The calendar attachments of the outbox's messages whose subject contains `subject_part`."""
    found = []
    for path in sorted(outbox.folder.glob("*.log"), key=lambda p: p.stat().st_mtime_ns):
        for chunk in path.read_text(encoding="utf-8").split(SEPARATOR):
            if not chunk.strip():
                continue
            message = email.message_from_string(chunk, policy=email.policy.default)
            if subject_part not in str(message["Subject"]):
                continue
            for part in message.iter_attachments():
                if (part.get_filename() or "").endswith(".ics"):
                    content = part.get_content()
                    found.append(content.decode() if isinstance(content, bytes) else content)
    return found


def _ics_field(ics: str, name: str) -> str:
    match = re.search(rf"^{name}[:;](.*)$", ics.replace("\r\n ", ""), re.MULTILINE)
    assert match, f"no {name} in the calendar file"
    return match.group(1).strip()


class Journey:
    """The jobseeker's browser page and what each step checks."""

    def __init__(self, page, *, language, live_url, snap):
        self.page = page
        self.language = language
        self.live_url = live_url
        self.snap = snap
        self.step = 0

    def t(self, message: str) -> str:
        return t(self.language, message)

    def checked(self, where: str) -> None:
        """A new page: its language, axe, no sideways scroll, a screenshot."""
        expect(self.page.locator("html")).to_have_attribute("lang", self.language)
        assert_accessible(self.page, f"{where} ({self.language})")
        assert horizontal_overflow(self.page) <= 0, f"{where} scrolls sideways"
        self.step += 1
        name = re.sub(r"[^a-z0-9]+", "-", where.lower()).strip("-")
        self.snap(self.page, f"{self.step:02d}-{name}")

    def main_says(self, message: str) -> None:
        expect(self.page.locator("main")).to_contain_text(self.t(message))

    def submit(self) -> None:
        self.page.locator("main button[type=submit]").first.click()

    def open_link(self, mail, part: str) -> str:
        link = next(url for url in mail.links() if part in url)
        self.page.goto(link)
        return link

    def choose_day(self, day: dt.date) -> None:
        """On the month page: the day's link, on the next month's page when it is there."""
        link = self.page.locator(f"main a[href='/book/date/{day.isoformat()}/']")
        if not link.count():
            self.page.goto(f"{self.live_url}/book/date/?month={day:%Y-%m}")
        link.click()
        expect(self.page).to_have_url(f"{self.live_url}/book/date/{day.isoformat()}/")

    def book_after_the_day(self, slot, *, checklist_again: bool = False) -> str:
        """The time on the day page, the details, the check, the confirmation: the reference.
        `checklist_again`: the checklist is confirmed for each booking; a day reached from an
        email's link asks for it after the time is chosen, and keeps the time."""
        self.page.check(f"input[name=slot][value='{slot.pk}']")
        self.submit()
        if checklist_again:
            expect(self.page).to_have_url(f"{self.live_url}/book/checklist/")
            self.checked("checklist again")
            for box in self.page.locator("main input[type=checkbox]").all():
                box.check()
            self.submit()
        expect(self.page).to_have_url(f"{self.live_url}/book/details/")
        self.checked("details")
        self.submit()
        expect(self.page).to_have_url(f"{self.live_url}/book/check/")
        self.checked("check")
        self.submit()
        expect(self.page.locator("#reference")).to_be_visible()
        self.checked("confirmation")
        return self.page.locator("#reference").inner_text().strip()


@pytest.mark.parametrize(
    ("language", "viewport"), [("ja", PHONE), ("en", LAPTOP)], ids=["ja-phone", "en-laptop"]
)
def test_the_whole_journey(browser, live_url, site_url, world, outbox, snap, language, viewport):
    office = world.office
    office.online_cancellation_allowed = True
    office.max_upcoming_web_bookings = 2
    office.save()
    number = "33010-00031415" if language == "ja" else "33010-00027182"
    address = f"whole-{language}@example.jp"

    context = browser.new_context(
        locale="ja-JP" if language == "ja" else "en-GB",
        timezone_id="Asia/Tokyo",
        viewport=viewport,
    )
    with_axe(context)
    page = context.new_page()
    me = Journey(page, language=language, live_url=live_url, snap=snap)

    staff_user = world.staff(username=f"office-{language}")
    staff_context = admin_context(browser, live_url, staff_user, viewport=LAPTOP)
    with_axe(staff_context)
    staff = staff_context.new_page()

    # 1. First visit: the start page explains the office's check; a new number, six fields.
    page.goto(f"{live_url}/")
    # An English browser (Accept-Language: en-GB) is answered in English; the header's button
    # switches to the other language.
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator("form.lang-switch button")).to_have_text(
        "English" if language == "ja" else "日本語"
    )
    me.main_says(
        "Before your first online booking, your Hello Work office checks your registration. "
        "It takes a few steps, and a few working days at most:"
    )
    me.checked("start")
    page.locator("main a[href='/identify/']").click()
    me.submit()  # nothing typed: each message names its field
    expect(page.locator("#error-summary")).to_be_visible()
    summary = page.locator("#error-summary li").all_inner_texts()
    assert len(summary) == len(set(summary)) >= 6, summary
    for message in ("Enter your jobseeker number.", "Enter your email address."):
        assert me.t(message) in summary, summary
    me.checked("identify errors")
    page.fill("#id_number", "３３０１０－３１４１５" if language == "ja" else number)
    page.fill("#id_family_name", "山田")
    page.fill("#id_given_name", "一郎")
    page.fill("#id_family_name_kana", "やまだ")
    page.fill("#id_given_name_kana", "イチロウ")
    page.fill("#id_email", address)
    me.submit()
    expect(page).to_have_url(f"{live_url}/identify/sent/")
    me.checked("link sent")
    run_worker()
    [registration_link] = outbox.to(address)
    me.open_link(registration_link, "/signin/")
    me.checked("sign in button")
    me.submit()

    # 2. Told what happens: the office checks, how long it may take, the office's phone.
    expect(page).to_have_url(f"{live_url}/identify/received/")
    me.main_says("Your request was sent to your office")
    me.main_says(
        "Your email address is confirmed. Your Hello Work office now checks your "
        "registration; it may phone you to confirm that the request is yours."
    )
    me.main_says(
        "If you have not heard from the office within a week, or you would rather book now, "
        "please phone the office."
    )
    expect(page.locator("main")).to_contain_text(office.phone)
    me.checked("request received")
    assert not Jobseeker.objects.filter(number=number).exists()

    # Impatient, they try "booked before" at once: the email names the reason (the office is
    # still checking) and the next step (wait for its email, or send a request).
    page.goto(f"{live_url}/identify/returning/")
    page.fill("input[name=number]", number)
    page.fill("input[name=email]", address)
    me.submit()
    expect(page).to_have_url(f"{live_url}/identify/sent/")
    run_worker()
    not_yet = outbox.to(address)[-1]
    assert "/signin/" not in not_yet.text
    for message in (
        "Someone asked for a link to book a Hello Work online job consultation with this email "
        "address and a jobseeker number, but this is not the address the Hello Work office has "
        "for that number.",
        "If you have sent a request already, your office is checking it: you will get an email "
        "when you can book.",
    ):
        assert t(language, message) in " ".join(not_yet.text.split()), not_yet.text

    # 3. The office's staff confirm the request in the admin (a second browser).
    staff.goto(f"{live_url}/admin/")
    staff.locator("a[href='/admin/jobseekers/registrationrequest/']").first.click()
    expect(staff.locator("#result_list")).to_contain_text(number)
    assert_accessible(staff, "registration requests", best_practice=False)
    snap(staff, f"staff-{language}-01-requests")
    request = RegistrationRequest.objects.get(number=number)
    staff.locator(f"a[href='/admin/jobseekers/registrationrequest/{request.pk}/confirm/']").click()
    staff.locator("input[name=method]").first.check()
    assert_accessible(staff, "confirm a request", best_practice=False)
    snap(staff, f"staff-{language}-02-confirm")
    staff.locator("#content-main input[type=submit]").click()
    expect(staff.locator("ul.messagelist")).to_be_visible()
    request.refresh_from_db()
    assert request.status == RequestStatus.CONFIRMED
    jobseeker = Jobseeker.objects.get(number=number)
    assert jobseeker.email == address and jobseeker.preferred_language == language

    # 4. The email that says they can book, and its link: "booked before", then signed in.
    run_worker()
    registered = outbox.to(address)[-1]
    assert registered.subject == t(language, "You can now book an online job consultation"), (
        registered.subject
    )
    me.open_link(registered, "/identify/returning/")
    me.checked("booked before")
    page.fill("input[name=number]", number)
    page.fill("input[name=email]", address)
    me.submit()
    expect(page).to_have_url(f"{live_url}/identify/sent/")
    run_worker()
    me.open_link(outbox.to(address)[-1], "/signin/")
    me.submit()

    # 5. Book: terms, checklist, day, time, details, check, confirm.
    expect(page).to_have_url(f"{live_url}/book/terms/")
    me.checked("terms")
    page.check("input[name=agree_terms]")
    page.check("input[name=agree_app_terms]")
    me.submit()
    expect(page).to_have_url(f"{live_url}/book/checklist/")
    me.checked("checklist")
    for box in page.locator("main input[type=checkbox]").all():
        box.check()
    me.submit()
    expect(page).to_have_url(re.compile(r"/book/date/"))
    me.checked("calendar")
    me.choose_day(world.day)
    me.checked("day")
    first_slot, new_slot = world.slots[0], world.slots[2]
    reference = me.book_after_the_day(first_slot)
    reservation = Reservation.objects.get(reference=reference)
    assert reservation.jobseeker == jobseeker and reservation.slot == first_slot
    run_worker()
    invitations = _ics_files(outbox, reference)
    assert len(invitations) == 1
    uid, sequence = _ics_field(invitations[0], "UID"), int(_ics_field(invitations[0], "SEQUENCE"))

    # 6. 「予約の確認」 lists it, from the confirmation's link.
    page.locator("main a[href='/mine/']").first.click()
    expect(page.locator("h1")).to_have_text(me.t("My reservations"))
    expect(page.locator(f"#reservation-{reference}")).to_be_visible()
    me.checked("my reservations")

    # 7. Change the time: 10:00 → 11:00 on the same day.
    mails_before = len(outbox.to(address))
    page.locator(f"#reservation-{reference} a[href*='/change/']").click()
    expect(page.locator("#changing")).to_be_visible()
    me.checked("month page changing the time")
    me.choose_day(world.day)
    me.checked("day changing the time")
    page.check(f"input[name=slot][value='{new_slot.pk}']")
    me.submit()
    expect(page).to_have_url(f"{live_url}/mine/change/")
    expect(page.locator("#new-time")).to_contain_text("11:00")
    me.checked("change check")
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(f"{live_url}/mine/")
    expect(page.locator("#moved")).to_be_visible()
    me.checked("moved")

    reservation.refresh_from_db()
    assert reservation.slot == new_slot and reservation.status == ReservationStatus.CONFIRMED
    # The old time is free: the day page offers it again, and another jobseeker can book it.
    page.goto(f"{live_url}/book/date/{world.day.isoformat()}/")
    expect(page.locator(f"input[name=slot][value='{first_slot.pk}']")).to_be_visible()
    expect(page.locator(f"input[name=slot][value='{new_slot.pk}']")).to_have_count(0)
    me.checked("day after the change")
    # Exactly one updated invitation, its calendar file the same event, a later version.
    run_worker()
    new_mails = outbox.to(address)[mails_before:]
    assert len(new_mails) == 1, [m.subject for m in new_mails]
    [updated] = [ics for ics in _ics_files(outbox, reference)[1:]]
    assert _ics_field(updated, "UID") == uid
    assert int(_ics_field(updated, "SEQUENCE")) > sequence
    assert re.search(r"^DTSTART[^\n]*(T110000|T020000Z)", updated, re.MULTILINE), updated

    # 8. A full day: every time of the next open day booked by other jobseekers.
    full_day = next_open_day(world.day, at_least=1)
    full_slots = [
        SlotFactory(
            counselor=world.counselor,
            starts_at=dt.datetime.combine(full_day, dt.time(hour, 0), tzinfo=TOKYO),
        )
        for hour in (10, 14)
    ]
    others = []
    for n, slot in enumerate(full_slots):
        other = world.jobseeker(number=f"33010-0009{n:04d}", email=f"other{n}@example.jp")
        ConsentFactory(jobseeker=other, terms_version=world.terms)
        others.append(
            reservation_create(
                slot=slot,
                jobseeker=other,
                environment_checklist=dict.fromkeys(CHECKLIST_KEYS, True),
            )
        )
    run_worker()
    page.goto(f"{live_url}/book/date/?month={full_day:%Y-%m}")
    me.choose_day(full_day)
    expect(page.locator("input[name=slot]")).to_have_count(0)
    me.main_says("Tell me when a time becomes free")
    me.checked("full day")

    # 9. "Notify me" on that day.
    if page.locator("#id_scope_day").count():  # offered when the week has no free time either
        page.locator("#id_scope_day").check()
    page.get_by_role("button", name=me.t("Email me when a time becomes free")).click()
    expect(page.get_by_role("button", name=me.t("Withdraw my request"))).to_be_visible()
    me.checked("day with the request")
    run_worker()

    # 10. Another jobseeker phones to cancel; the office's staff record it at the phone desk.
    cancelled = others[1]
    staff.goto(f"{live_url}/admin/bookings/reservation/phone/")
    staff.fill("input[name=q]", cancelled.jobseeker.number)
    staff.locator("#content-main input[type=submit]").click()
    staff.locator(f"a[href='/admin/bookings/reservation/{cancelled.pk}/phone/']").click()
    staff.fill("input[name=reason]", "体調不良のため")
    staff.locator("form:has(input[name=action][value=cancel]) input[type=submit]").click()
    staff.locator("form:has(input[name=confirm][value=yes]) input[type=submit]").click()
    expect(staff.locator("ul.messagelist")).to_contain_text(cancelled.reference)
    snap(staff, f"staff-{language}-03-phone-cancel")
    cancelled.refresh_from_db()
    assert cancelled.status == ReservationStatus.CANCELLED

    # 11. The offer arrives; its link leads to the day with the time free; booked from it.
    run_worker()
    offers = [m for m in outbox.to(address) if "/book/date/" in m.text and "/r/" not in m.text]
    assert len(offers) == 1, [m.subject for m in outbox.to(address)]
    me.open_link(offers[0], f"/book/date/{full_day.isoformat()}/")
    expect(page.locator(f"input[name=slot][value='{full_slots[1].pk}']")).to_be_visible()
    me.checked("day from the offer")
    second = me.book_after_the_day(full_slots[1], checklist_again=True)
    booked = Reservation.objects.get(reference=second)
    assert booked.jobseeker == jobseeker and booked.slot == full_slots[1]
    assert Reservation.objects.active().filter(jobseeker=jobseeker).count() == 2

    staff_context.close()
    context.close()
