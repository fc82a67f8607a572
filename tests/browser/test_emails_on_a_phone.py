"""Every email's HTML part, opened in Chromium at 360 px (a phone), has no sideways scroll, in
both languages: long links (the meeting URL, the reservation page, sign-in links) wrap."""

import pytest
from django.core import mail
from django.utils import timezone

from bookings.checklist import CHECKLIST_KEYS
from bookings.models import Reservation, WaitlistScope
from bookings.services.reservations import reservation_cancel, reservation_create
from bookings.services.waitlist import waitlist_request_create
from jobseekers.signin import sign_in_request_first_visit, sign_in_request_returning
from notifications.services.outbox import no_show_queue, reminder_queue
from tests.factories import ConsentFactory

from .a11y import horizontal_overflow
from .world import run_worker

# The outcome depends on the date the suite runs at: `make test-dates` runs it at each date.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.dates]

LONG_URL = "https://zoom.example/j/81234567890?pwd=" + "Ab1" * 20


@pytest.mark.parametrize("language", ["ja", "en"])
def test_every_email_fits_a_phone(browser, world, language):
    mail.outbox.clear()
    booked = []
    for i, slot in enumerate(world.slots[:3]):
        jobseeker = world.jobseeker(
            number=f"33010-0006666{i}", email=f"phone{i}@example.jp", preferred_language=language
        )
        ConsentFactory(jobseeker=jobseeker, terms_version=world.terms)
        reservation = reservation_create(
            slot=slot,
            jobseeker=jobseeker,
            environment_checklist=dict.fromkeys(CHECKLIST_KEYS, True),
        )
        Reservation.objects.filter(pk=reservation.pk).update(meeting_url=LONG_URL)
        reservation.refresh_from_db()
        booked.append(reservation)
    reminder_queue(reservation=booked[0])
    no_show_queue(reservation=booked[1])
    # 「空きが出たら知らせる」: the confirmation of the request, then the offer on the cancellation.
    waiting = world.jobseeker(
        number="33010-00099999", email="waiting@example.jp", preferred_language=language
    )
    waitlist_request_create(
        jobseeker=waiting, day=world.day, scope=WaitlistScope.WEEK, now=timezone.now()
    )
    reservation_cancel(reservation=booked[2])
    sign_in_request_returning(number=jobseeker.number, email=jobseeker.email, language=language)
    sign_in_request_returning(number="33010-00077777", email="nobody@example.jp", language=language)
    sign_in_request_first_visit(
        number="33010-00088888",
        family_name="山田",
        given_name="花子",
        family_name_kana="ヤマダ",
        given_name_kana="ハナコ",
        email="first" + "x" * 40 + "@example.jp",
        language=language,
    )
    run_worker()
    kinds = set()
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    for message in mail.outbox:
        html = next(body for body, kind in message.alternatives if kind == "text/html")
        page.set_content(html)
        kinds.add(message.subject)
        assert horizontal_overflow(page) <= 0, f"{message.subject!r} scrolls sideways at 360 px"
    context.close()
    # invitation ×3, reminder, no-show, cancellation, sign-in, unknown address, first visit,
    # the waitlist's confirmation and offer
    assert len(kinds) >= 9, kinds
