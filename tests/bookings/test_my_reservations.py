"""「予約の確認」 (issue 19): the list, the gates before a day is chosen, changing the time."""

import re

import pytest
import time_machine
from django.core import mail

from bookings.models import Reservation, ReservationStatus
from bookings.services.reservations import reservation_access_token, reservation_create
from notifications.models import Notification, NotificationKind
from tests.factories import JobseekerFactory, ReservationFactory, tokyo
from tests.helpers import send_queued

from .conftest import FULL_CHECKLIST, NOW, sign_in_client

pytestmark = pytest.mark.dates

DETAILS = {"interpreter": False, "interpreter_language": "", "assistant_attends": False, "note": ""}


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _main(response) -> str:
    html = response.content.decode()
    return html[html.find("<main") :]


def _book(world, slot=None):
    return reservation_create(
        slot=slot or world.slot,
        jobseeker=world.jobseeker,
        environment_checklist=FULL_CHECKLIST,
        now=NOW,
    )


@pytest.fixture
def online(world):
    world.office.online_cancellation_allowed = True
    world.office.save()
    return world


# The list


def test_it_lists_upcoming_and_past_with_their_links(client, world):
    reservation = _book(world)
    past = ReservationFactory(
        jobseeker=world.jobseeker,
        slot=world.slot_at(tokyo(2026, 11, 20, 10, 0)),
        status=ReservationStatus.COMPLETED,
    )
    sign_in_client(client, world.jobseeker)
    response = client.get("/mine/")
    assert response.status_code == 200
    main = _main(response)
    token = reservation_access_token(reservation)
    assert "2026年12月3日（木）10:00〜10:30" in main
    assert f'href="/r/{token}/"' in main and f'href="/r/{token}/calendar.ics"' in main
    assert f'href="/r/{reservation_access_token(past)}/"' in main
    assert "過去の予約" in main
    # The office does not allow online changes: the page says to phone, and links none.
    assert "/change/" not in main and "お電話ください" in main
    # The limit of one upcoming booking is answered here, before any day is chosen.
    assert "同時に1件まで" in main and 'href="/book/"' not in main


def test_change_and_cancel_are_offered_where_the_office_allows_them(client, online):
    reservation = _book(online)
    sign_in_client(client, online.jobseeker)
    main = _main(client.get("/mine/"))
    assert f'href="/mine/{reservation.pk}/change/"' in main
    assert f'href="/r/{reservation_access_token(reservation)}/cancel/"' in main


def test_a_jobseeker_free_to_book_gets_the_button(client, world):
    sign_in_client(client, world.jobseeker)
    main = _main(client.get("/mine/"))
    assert "これからの予約はありません" in main and 'href="/book/"' in main


def test_signed_out_it_asks_to_sign_in_and_comes_back_to_the_list(client, world):
    _book(world)
    response = client.get("/mine/")
    assert response.status_code == 302 and response["Location"] == "/identify/returning/"
    client.post(
        "/identify/returning/", {"number": world.jobseeker.number, "email": world.jobseeker.email}
    )
    send_queued()
    link = re.search(r"http://testserver(/signin/[^/\s]+/)", mail.outbox[-1].body).group(1)
    assert "/mine/" not in link  # nothing of the person, nor the destination, in the URL
    response = client.post(link)
    assert response["Location"] == "/mine/"


def test_a_returning_jobseeker_with_a_booking_lands_on_the_list(client, world):
    _book(world)
    client.post(
        "/identify/returning/", {"number": world.jobseeker.number, "email": world.jobseeker.email}
    )
    send_queued()
    link = re.search(r"http://testserver(/signin/[^/\s]+/)", mail.outbox[-1].body).group(1)
    assert client.post(link)["Location"] == "/mine/"


def test_the_header_links_the_list_when_signed_in(client, world):
    assert "/mine/" not in client.get("/").content.decode()
    sign_in_client(client, world.jobseeker)
    assert 'href="/mine/"' in client.get("/").content.decode()
    assert 'href="/mine/"' in client.get("/book/date/").content.decode()


def test_every_email_about_a_reservation_links_the_list(world):
    _book(world)
    send_queued(now=NOW)
    message = mail.outbox[-1]
    assert "予約の確認" in message.body and "http://testserver/mine/" in message.body
    html = message.alternatives[0][0]
    assert 'href="http://testserver/mine/"' in html


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_the_list_refuses_other_methods(client, world, method):
    sign_in_client(client, world.jobseeker)
    assert getattr(client, method)("/mine/").status_code == 405


def test_another_jobseekers_reservation_is_a_404(client, online):
    other = JobseekerFactory(
        office=online.office, number=f"{online.office.registration_code}-55550021"
    )
    theirs = ReservationFactory(jobseeker=other, slot=online.slot)
    sign_in_client(client, online.jobseeker)
    assert client.get(f"/mine/{theirs.pk}/change/").status_code == 404


# Gates before a day is chosen


def _suspend(jobseeker):
    jobseeker.suspended = True
    jobseeker.suspension_reason = "利用規約第13条第1項"
    jobseeker.suspended_at = tokyo(2026, 11, 30, 9, 0)
    jobseeker.save()


@pytest.mark.parametrize("url", ["/book/date/", "/book/date/2026-12-03/", "/book/terms/"])
def test_a_suspended_jobseeker_typing_a_journey_url_meets_the_gate(client, world, url):
    _suspend(world.jobseeker)
    sign_in_client(client, world.jobseeker)
    response = client.get(url)
    assert response.status_code == 302 and response["Location"] == "/book/unavailable/"


def test_the_cached_day_page_holds_the_gate_once_cached(client, world):
    sign_in_client(client, world.jobseeker)
    assert "10:00〜10:30" in client.get("/book/date/2026-12-03/").content.decode()
    _suspend(world.jobseeker)
    assert client.get("/book/date/2026-12-03/")["Location"] == "/book/unavailable/"


def test_a_suspended_jobseeker_choosing_a_time_meets_the_gate(client, world):
    _suspend(world.jobseeker)
    sign_in_client(client, world.jobseeker)
    response = client.post("/book/time/", {"slot": world.slot.pk})
    assert response["Location"] == "/book/unavailable/"
    assert not Reservation.objects.exists()


def test_the_suspension_gate_says_since_when_why_and_until_when(client, world):
    _suspend(world.jobseeker)
    sign_in_client(client, world.jobseeker)
    response = client.get("/book/unavailable/")
    assert response.status_code == 403
    main = _main(response)
    assert "2026年11月30日（月）から" in main and "利用規約第13条第1項" in main
    assert "解除するまで" in main and world.office.phone in main


def test_at_the_limit_the_day_page_is_the_gate_listing_the_bookings(client, world):
    reservation = _book(world)
    sign_in_client(client, world.jobseeker)
    assert client.get("/book/date/2026-12-04/")["Location"] == "/book/unavailable/"
    main = _main(client.get("/book/unavailable/"))
    assert "2026年12月3日（木）10:00〜10:30" in main
    assert f'href="/r/{reservation_access_token(reservation)}/"' in main
    assert 'href="/mine/"' in main


def test_an_expired_registration_says_until_when_and_what_to_do(client, world):
    world.jobseeker.registration_valid_until = tokyo(2026, 11, 30, 0, 0).date()
    world.jobseeker.save()
    sign_in_client(client, world.jobseeker)
    main = _main(client.get("/book/unavailable/"))
    assert "2026年11月30日（月）まで" in main and "更新" in main


def test_the_back_button_after_booking_shows_the_booking_not_a_refusal(client, world):
    sign_in_client(client, world.jobseeker, slot=world.slot, details=DETAILS)
    done = client.post("/book/check/", {"slot": world.slot.pk})
    assert done.status_code == 302
    assert 'href="/mine/"' in client.get(done["Location"]).content.decode()
    back = client.get("/book/check/", follow=True)
    assert back.redirect_chain[-1][0] == "/mine/"
    assert back.status_code == 200
    main = _main(back)
    assert "いま予約しました" in main and "2026年12月3日（木）10:00〜10:30" in main


# Changing the time through the pages


def _change_to(client, reservation, slot, day="2026-12-04"):
    start = client.get(f"/mine/{reservation.pk}/change/")
    assert start["Location"] == "/book/date/"
    assert "日時を変更しています" in client.get("/book/date/").content.decode()
    chosen = client.post(f"/book/date/{day}/", {"slot": slot.pk})
    assert chosen["Location"] == "/mine/change/"
    return client.get("/mine/change/")


def test_changing_the_time_end_to_end(client, online):
    reservation = _book(online)
    friday = online.slot_at(tokyo(2026, 12, 4, 11, 0))
    sign_in_client(client, online.jobseeker)
    page = _change_to(client, reservation, friday)
    assert page.status_code == 200
    main = _main(page)
    assert "2026年12月3日（木）10:00〜10:30" in main and "2026年12月4日（金）11:00〜11:30" in main
    done = client.post("/mine/change/")
    assert done["Location"] == "/mine/"
    reservation.refresh_from_db()
    assert reservation.slot_id == friday.pk and reservation.sequence == 1
    listing = _main(client.get("/mine/"))
    assert "日時を変更しました" in listing and "2026年12月4日（金）11:00〜11:30" in listing
    invitations = Notification.objects.filter(kind=NotificationKind.INVITATION, sequence=1)
    assert invitations.count() == 1


def test_a_change_at_the_limit_is_not_stopped_by_the_limit(client, online):
    reservation = _book(online)  # the office's limit is one upcoming booking
    sign_in_client(client, online.jobseeker)
    client.get(f"/mine/{reservation.pk}/change/")
    assert client.get("/book/date/").status_code == 200
    assert client.get("/book/date/2026-12-04/").status_code == 200


def test_a_change_past_the_cut_off_is_refused_with_its_message(client, online):
    reservation = _book(online)
    friday = online.slot_at(tokyo(2026, 12, 4, 11, 0))
    sign_in_client(client, online.jobseeker)
    _change_to(client, reservation, friday)
    # The office moves its cut-off to 10:00 two days before: Thursday's closed at this moment
    # (Tuesday 10:00), Friday's is still open.
    online.office.cutoff_days_before = 2
    online.office.cutoff_hour = 10
    online.office.save()
    response = client.post("/mine/change/")
    assert response.status_code == 409
    assert "前日まで" in _main(response)
    reservation.refresh_from_db()
    assert reservation.slot_id == online.slot.pk


def test_keeping_the_current_time_leaves_the_change(client, online):
    reservation = _book(online)
    sign_in_client(client, online.jobseeker)
    client.get(f"/mine/{reservation.pk}/change/")
    assert client.post("/mine/change/stop/")["Location"] == "/mine/"
    assert client.get("/mine/change/")["Location"] == "/mine/"


def test_the_reservation_page_offers_the_change(client, online):
    reservation = _book(online)
    page = client.get(f"/r/{reservation_access_token(reservation)}/").content.decode()
    assert 'href="/mine/">日時を変更する' in page
    # Signed out, the list asks for sign-in first; the change itself is a 404 to strangers.
    assert client.get("/mine/")["Location"] == "/identify/returning/"
    assert client.get(f"/mine/{reservation.pk}/change/").status_code == 404
