"""「空きが出たら知らせる」: asking on a full day, being told once when a time frees up, expiry,
withdrawing (day page, list, email link), and the staff's count of who waits."""

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bookings.errors import AlreadyCancelled, JobseekerSuspended, WaitlistNotOpen
from bookings.models import CancelChannel, SlotStatus, WaitlistRequest, WaitlistScope
from bookings.services.moves import reservation_move
from bookings.services.reservations import reservation_cancel
from bookings.services.slots import slot_block, slot_create, slot_unblock
from bookings.services.waitlist import (
    WAITLIST_PER_TIME,
    waitlist_active,
    waitlist_request_create,
    waitlist_withdraw,
)
from jobseekers.events import jobseeker_anonymised
from jobseekers.models import Jobseeker
from notifications.models import Notification, NotificationKind, NotificationStatus
from tests.backoffice.conftest import OFFICE_STAFF, make_user
from tests.factories import (
    ConsentFactory,
    CounselorFactory,
    JobseekerFactory,
    OfficeFactory,
    ReservationFactory,
    tokyo,
)
from tests.helpers import send_queued, staff_login

from .conftest import NOW, SLOT_START, sign_in_client

pytestmark = [pytest.mark.dates, pytest.mark.django_db]

DAY = SLOT_START.date()  # Thursday 3 December 2026 (the slot's day, Asia/Tokyo)
DAY_URL = f"/book/date/{DAY.isoformat()}/"
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _jobseeker(world, n: int, **kwargs):
    jobseeker = JobseekerFactory(
        office=world.office, number=f"{world.office.registration_code}-5556{n:04d}", **kwargs
    )
    ConsentFactory(jobseeker=jobseeker, terms_version=world.terms)
    return jobseeker


def _suspend(jobseeker):
    jobseeker.suspended = True
    jobseeker.suspension_reason = "Art 13(1)"
    jobseeker.suspended_at = NOW
    jobseeker.save()


def _full_day(world):
    """The day's one slot booked by someone else: the day has no free time."""
    return ReservationFactory(slot=world.slot, jobseeker=_jobseeker(world, 999))


def _ask(jobseeker, *, day=DAY, scope=WaitlistScope.DAY, at=None):
    return waitlist_request_create(jobseeker=jobseeker, day=day, scope=scope, now=at or NOW)


def _offers() -> list[Notification]:
    return list(
        Notification.objects.filter(kind=NotificationKind.WAITLIST_OFFER).order_by("jobseeker_id")
    )


def _cancel(reservation, at=None):
    return reservation_cancel(
        reservation=reservation, channel=CancelChannel.WEB, now=at or NOW + dt.timedelta(hours=1)
    )


# Asking


def test_on_a_full_day_the_page_offers_to_tell_and_asking_shows_the_request(world):
    _full_day(world)
    client = sign_in_client(Client(enforce_csrf_checks=True), world.jobseeker)
    page = client.get(DAY_URL).content.decode()
    assert "空きが出たらメールで知らせる" in page
    token = TOKEN.findall(page)[-1]
    ask_url = reverse("bookings:waitlist_ask", kwargs={"date": DAY})
    response = client.post(ask_url, {"scope": "week", "csrfmiddlewaretoken": token})
    assert response.status_code == 302 and response["Location"].startswith(DAY_URL)
    [request] = WaitlistRequest.objects.all()
    assert (request.first_day, request.last_day) == (dt.date(2026, 11, 30), dt.date(2026, 12, 6))
    page = client.get(DAY_URL).content.decode()
    assert "この申込みを取り下げる" in page and "空きが出たらメールで知らせる" not in page
    # The confirmation went to the outbox once, with the link to withdraw.
    [added] = Notification.objects.filter(kind=NotificationKind.WAITLIST_ADDED)
    assert added.waitlist_request == request and added.recipient == world.jobseeker.email


def test_the_calendar_links_a_full_day_to_its_page(world):
    client = sign_in_client(Client(), world.jobseeker)
    free = client.get("/book/date/", {"month": "2026-12"}).content.decode()
    _full_day(world)
    full = client.get("/book/date/", {"month": "2026-12"}).content.decode()
    assert f'href="{DAY_URL}"' in free and f'href="{DAY_URL}"' in full
    assert "12/3：満席（空きが出たら知らせるよう申し込めます）" in full
    # A day past the cut-off (today) is no link: there is nothing to wait for.
    assert 'href="/book/date/2026-12-01/"' not in full


def test_an_anonymised_jobseeker_waits_no_more(world):
    request = _ask(world.jobseeker)
    jobseeker_anonymised.send(sender=Jobseeker, jobseeker_id=world.jobseeker.pk, now=NOW)
    request.refresh_from_db()
    assert request.withdrawn_at is not None


def test_the_cached_day_page_shows_each_jobseeker_their_own_state(world):
    """The page is kept once for the office; the request of one is not shown to the other."""
    _full_day(world)
    other = _jobseeker(world, 2)
    _ask(world.jobseeker)
    first = sign_in_client(Client(), world.jobseeker).get(DAY_URL).content.decode()
    second = sign_in_client(Client(), other).get(DAY_URL).content.decode()
    assert "この申込みを取り下げる" in first and "空きが出たらメールで知らせる" not in first
    assert "空きが出たらメールで知らせる" in second and "この申込みを取り下げる" not in second


def test_a_full_day_from_the_cache_reads_no_slot_for_the_second_jobseeker(world):
    """Whether the week has a free time is kept with the page (the office's answer); only the
    jobseeker's own state is read per request."""
    _full_day(world)
    sign_in_client(Client(), world.jobseeker).get(DAY_URL)
    second = sign_in_client(Client(), _jobseeker(world, 2))
    with CaptureQueriesContext(connection) as ctx:
        page = second.get(DAY_URL).content.decode()
    assert not [q["sql"] for q in ctx.captured_queries if "bookings_slot" in q["sql"]]
    assert "この週のいずれかの日" in page  # the week has no free time either
    world.slot_at(tokyo(2026, 12, 4, 10, 0))  # a free time on Friday: a new version
    page = second.get(DAY_URL).content.decode()
    assert "空きが出たらメールで知らせる" in page and "この週のいずれかの日" not in page


def test_asking_twice_is_one_request_and_the_database_holds_one_per_range(world):
    _full_day(world)
    assert _ask(world.jobseeker) == _ask(world.jobseeker)
    assert WaitlistRequest.objects.count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        WaitlistRequest.objects.create(
            jobseeker=world.jobseeker,
            office=world.office,
            scope=WaitlistScope.DAY,
            first_day=DAY,
            last_day=DAY,
            created_at=NOW,
            access_nonce="x",
        )


def test_a_day_past_the_cut_off_or_a_suspended_jobseeker_cannot_ask(world):
    with pytest.raises(WaitlistNotOpen):
        _ask(world.jobseeker, day=NOW.date())  # today: past the cut-off (the day before)
    with pytest.raises(WaitlistNotOpen):
        _ask(world.jobseeker, day=dt.date(2026, 12, 5))  # a Saturday
    _suspend(world.jobseeker)
    with pytest.raises(JobseekerSuspended):
        _ask(world.jobseeker)
    assert not WaitlistRequest.objects.exists()


def test_a_refused_ask_is_answered_with_the_reason_and_changes_nothing(world):
    client = sign_in_client(Client(), world.jobseeker)
    today = reverse("bookings:waitlist_ask", kwargs={"date": NOW.date()})
    response = client.post(today, {"scope": "day"})
    assert response.status_code == 409
    assert "締め切り" in response.content.decode()
    assert not WaitlistRequest.objects.exists()


# Being told


def test_a_cancellation_tells_each_waiting_jobseeker_once_and_a_re_cancel_sends_nothing(world):
    booked = _full_day(world)
    waiting = [_jobseeker(world, n) for n in (1, 2)]
    for jobseeker in waiting:
        _ask(jobseeker)
    _cancel(booked)
    offers = _offers()
    assert [o.jobseeker for o in offers] == waiting
    assert all(o.waitlist_request.notified_at is not None for o in offers)
    with pytest.raises(AlreadyCancelled):
        _cancel(booked)
    # Another time of the day frees up: those told are not told again.
    later = ReservationFactory(
        slot=world.slot_at(SLOT_START + dt.timedelta(hours=1)), jobseeker=_jobseeker(world, 3)
    )
    _cancel(later)
    assert len(_offers()) == 2
    mail.outbox.clear()
    send_queued(now=NOW + dt.timedelta(hours=1))
    offers_sent = [m for m in mail.outbox if DAY_URL in m.body]
    assert sorted(m.to[0] for m in offers_sent) == sorted(j.email for j in waiting)
    body = offers_sent[0].body
    assert "2026年12月3日（木）" in body and "先着順" in body


def test_a_reservation_moved_to_another_time_frees_the_old_one_for_the_waiting(world):
    world.office.online_cancellation_allowed = True
    world.office.save()
    booked = _full_day(world)
    _ask(world.jobseeker)
    friday = world.slot_at(tokyo(2026, 12, 4, 11, 0))
    reservation_move(reservation=booked, slot=friday, jobseeker=booked.jobseeker, now=NOW)
    [offer] = _offers()
    assert offer.jobseeker == world.jobseeker and offer.waitlist_request.offered_day == DAY


def test_one_freed_time_tells_the_oldest_few_only(world):
    booked = _full_day(world)
    waiting = []
    for n in range(WAITLIST_PER_TIME + 2):
        jobseeker = _jobseeker(world, n)
        _ask(jobseeker, at=NOW + dt.timedelta(minutes=n))
        waiting.append(jobseeker)
    _cancel(booked)
    assert [o.jobseeker for o in _offers()] == waiting[:WAITLIST_PER_TIME]
    assert len(waitlist_active(jobseeker_id=waiting[-1].pk, now=NOW)) == 1


def test_suspended_or_over_the_limit_jobseekers_are_not_told_and_keep_waiting(world):
    booked = _full_day(world)
    suspended, full, ok = (_jobseeker(world, n) for n in (1, 2, 3))
    for jobseeker in (suspended, full, ok):
        _ask(jobseeker)
    _suspend(suspended)
    for n in range(world.office.max_upcoming_web_bookings):
        ReservationFactory(
            jobseeker=full, slot=world.slot_at(SLOT_START + dt.timedelta(days=7, hours=n))
        )
    _cancel(booked)
    assert [o.jobseeker for o in _offers()] == [ok]
    assert waitlist_active(jobseeker_id=suspended.pk, now=NOW)


def test_a_time_freed_past_its_cut_off_tells_nobody(world):
    booked = _full_day(world)
    _ask(world.jobseeker)
    # Cancelled on the day before, after midnight has passed: the cut-off of Art 6(1).
    _cancel(booked, at=tokyo(2026, 12, 3, 0, 30))
    assert not _offers()


def test_added_and_reopened_slots_tell_the_waiting(world):
    _full_day(world)
    first, second = _jobseeker(world, 1), _jobseeker(world, 2)
    _ask(first)
    slot_create(counselor=CounselorFactory(office=world.office), starts_at=SLOT_START)
    assert [o.jobseeker for o in _offers()] == [first]
    blocked = world.slot_at(SLOT_START + dt.timedelta(hours=2))
    slot_block(slot=blocked)
    _ask(second)
    slot_unblock(slot=blocked)
    assert [o.jobseeker for o in _offers()] == [first, second]
    assert blocked.__class__.objects.get(pk=blocked.pk).status == SlotStatus.OPEN


def test_a_jobseeker_of_another_office_is_not_told(world):
    booked = _full_day(world)
    stranger = JobseekerFactory(office=OfficeFactory())
    ConsentFactory(jobseeker=stranger, terms_version=world.terms)
    _ask(stranger)
    _cancel(booked)
    assert not _offers()


# Expiry and withdrawing


def test_a_request_expires_with_its_range(world):
    _full_day(world)
    request = _ask(world.jobseeker)
    assert waitlist_active(jobseeker_id=world.jobseeker.pk, now=NOW) == [request]
    after = tokyo(2026, 12, 4, 9, 0)
    assert waitlist_active(jobseeker_id=world.jobseeker.pk, now=after) == []
    assert not WaitlistRequest.objects.active(today=after.date()).exists()


def test_withdrawing_from_the_day_page_and_nothing_is_sent_after(world):
    booked = _full_day(world)
    request = _ask(world.jobseeker)
    client = sign_in_client(Client(), world.jobseeker)
    url = reverse("bookings:waitlist_withdraw", kwargs={"pk": request.pk})
    response = client.post(url, {"day": DAY.isoformat()})
    assert response.status_code == 302 and response["Location"].startswith(DAY_URL)
    request.refresh_from_db()
    assert request.withdrawn_at is not None
    assert "空きが出たらメールで知らせる" in client.get(DAY_URL).content.decode()
    _cancel(booked)
    assert not _offers()
    # The confirmation still queued is not sent: the request is withdrawn.
    send_queued(now=NOW)
    added = Notification.objects.get(kind=NotificationKind.WAITLIST_ADDED)
    assert added.status == NotificationStatus.SKIPPED


def test_another_jobseekers_request_cannot_be_withdrawn(world):
    request = _ask(world.jobseeker)
    intruder = sign_in_client(Client(), _jobseeker(world, 7))
    url = reverse("bookings:waitlist_withdraw", kwargs={"pk": request.pk})
    assert intruder.post(url).status_code == 404
    assert Client().post(url).status_code == 404  # signed out
    assert sign_in_client(Client(), world.jobseeker).get(url).status_code == 404  # a GET
    request.refresh_from_db()
    assert request.withdrawn_at is None


def test_withdrawing_from_the_email_link(world):
    _full_day(world)
    _ask(world.jobseeker)
    send_queued(now=NOW)
    [message] = [m for m in mail.outbox if "/notify/withdraw/" in m.body]
    link = re.search(r"https?://[^/\s]+(/notify/withdraw/[^\s]+/)", message.body).group(1)
    client = Client()
    page = client.get(link)
    assert page.status_code == 200 and "この申込みを取り下げる" in page.content.decode()
    assert WaitlistRequest.objects.get().withdrawn_at is None  # a GET changes nothing
    done = client.post(link).content.decode()
    assert "取り下げました" in done
    assert WaitlistRequest.objects.get().withdrawn_at is not None
    assert client.get(link[:-5] + "0000/").status_code == 404


def test_the_list_page_shows_the_active_requests(world):
    _full_day(world)
    _ask(world.jobseeker)
    _ask(world.jobseeker, day=dt.date(2026, 12, 8), scope=WaitlistScope.WEEK)
    old = _ask(world.jobseeker, day=dt.date(2026, 12, 2))
    waitlist_withdraw(request_id=old.pk, now=NOW)
    page = sign_in_client(Client(), world.jobseeker).get("/book/notify/").content.decode()
    assert "2026年12月3日（木）" in page
    assert "2026年12月7日（月）〜2026年12月13日（日）" in page
    assert "2026年12月2日（水）" not in page


def test_my_reservations_lists_the_waiting_requests(world):
    _ask(world.jobseeker, day=dt.date(2026, 12, 8), scope=WaitlistScope.WEEK)
    page = sign_in_client(Client(), world.jobseeker).get(reverse("bookings:mine")).content.decode()
    assert "空きのお知らせの申込み一覧" in page
    assert "2026年12月7日（月）〜2026年12月13日（日）" in page


def test_signed_out_the_email_link_leads_to_the_day_after_signing_in(world):
    client = Client()
    assert client.get(DAY_URL)["Location"] == reverse("bookings:identify")
    session = client.session
    session.update(sign_in_client(Client(), world.jobseeker).session.load())
    session.save()
    response = client.get(reverse("bookings:journey"))
    assert response["Location"] == DAY_URL


# Emails


@pytest.mark.parametrize(
    ("language", "subject", "phrase"),
    [
        ("ja", "ご希望の日に空きが出ました", "2026年12月3日（木）"),
        ("en", "A consultation time has become free", "Thu 3 Dec 2026"),
    ],
)
def test_the_offer_email_in_each_language(world, language, subject, phrase):
    booked = _full_day(world)
    world.jobseeker.preferred_language = language
    world.jobseeker.save()
    _ask(world.jobseeker)
    _cancel(booked)
    mail.outbox.clear()
    send_queued(now=NOW + dt.timedelta(hours=1))
    [offer] = [m for m in mail.outbox if DAY_URL in m.body]
    assert offer.subject == subject
    html = offer.alternatives[0].content
    assert phrase in offer.body and phrase in html and f'lang="{language}"' in html


# Staff


def test_staff_see_the_waiting_count_of_their_own_office_only(world, client):
    _full_day(world)
    _ask(world.jobseeker)
    _ask(_jobseeker(world, 1), scope=WaitlistScope.WEEK)
    other_office = OfficeFactory()
    stranger = JobseekerFactory(office=other_office)
    ConsentFactory(jobseeker=stranger, terms_version=world.terms)
    CounselorFactory(office=other_office)
    _ask(stranger)
    staff_login(client, make_user(OFFICE_STAFF, office=world.office))
    day = client.get(reverse("admin:bookings_slot_day"), {"date": DAY.isoformat()})
    assert "空き待ち：2人" in day.content.decode()
    week = client.get(reverse("admin:bookings_slot_week"), {"date": DAY.isoformat()})
    text = week.content.decode()
    assert (
        text.count("空き待ち：2人") == 1 and text.count("空き待ち：1人") == 5
    )  # Tue (today), Wed, Fri, Sat, Sun; not the past Monday
    staff_login(client, make_user(OFFICE_STAFF, office=other_office))
    other = client.get(reverse("admin:bookings_slot_day"), {"date": DAY.isoformat()})
    assert "空き待ち：1人" in other.content.decode()
