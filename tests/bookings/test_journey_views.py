"""The jobseeker's journey through the pages: thin views, rules from the services."""

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.test import Client

from bookings.models import Reservation, ReservationStatus
from bookings.services.reservations import reservation_access_token, reservation_create
from consent.models import Consent
from core.sql import db_now
from jobseekers.models import Jobseeker, RegistrationRequest, RegistrationStatus, SignInToken
from jobseekers.registrations import registration_request_confirm
from notifications.models import Notification, NotificationStatus
from portal.views import SESSION_DETAILS, SESSION_SLOT
from tests.factories import (
    CounselorFactory,
    JobseekerFactory,
    OfficeFactory,
    ReservationFactory,
    TermsVersionFactory,
    tokyo,
)
from tests.helpers import send_queued

from .conftest import FULL_CHECKLIST, NOW, sign_in_client

DETAILS = {"interpreter": False, "interpreter_language": "", "assistant_attends": False, "note": ""}


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _main(response) -> str:
    html = response.content.decode()
    return html[html.find("<main") :]


def _title(response) -> str:
    return re.search(r"<title>(.*?)</title>", response.content.decode(), re.S).group(1)


def _full_width(digits: str) -> str:
    return digits.translate(str.maketrans("0123456789", "０１２３４５６７８９"))


def _link_from_last_email() -> str:
    send_queued()  # what the Celery worker does: the request only queued the email
    return re.search(r"http://testserver(/signin/[^/\s]+/)", mail.outbox[-1].body).group(1)


# Start and identification


@pytest.mark.django_db
def test_the_start_page_explains_the_service(client):
    office = OfficeFactory(phone="086-000-0000")
    response = client.get("/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "無料" in body and office.phone in body and "10分" in body
    assert '<a href="/terms/">' in body  # the full terms (Art 2(3)), from the start page itself


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/identify/sent/", "/book/date/", "/book/done/XXXX-XXXX/"])
def test_read_only_pages_refuse_post(client, url):
    assert client.post(url).status_code == 405


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/identify/", "/identify/returning/", "/book/terms/"])
def test_form_pages_refuse_put_and_delete(client, url):
    assert client.put(url).status_code == 405
    assert client.delete(url).status_code == 405


def test_an_invalid_identification_is_explained_accessibly(client, world):
    response = client.post("/identify/", {"number": "33010-ABC", "email": "nope"})
    assert response.status_code == 200
    assert _title(response).startswith("エラー：")
    main = _main(response)
    assert 'id="error-summary"' in main
    assert 'href="#id_number"' in main and 'href="#id_email"' in main
    assert re.search(r'<input[^>]*aria-invalid="true"[^>]*id="id_number"', main) or re.search(
        r'<input[^>]*id="id_number"[^>]*aria-invalid="true"', main
    )
    assert 'aria-describedby="id_number_helptext id_number_error"' in main
    assert "※必須" in main
    assert not mail.outbox


def test_a_first_visit_sends_a_link_and_the_link_sends_a_request_to_the_office(client, world):
    response = client.post(
        "/identify/",
        {
            "number": _full_width(world.office.registration_code) + "ー１２３４５６",
            "family_name": "佐藤",
            "given_name": "一郎",
            "family_name_kana": "さとう",
            "given_name_kana": "ｲﾁﾛｳ",
            "email": "ichiro@example.jp",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/identify/sent/"
    assert not mail.outbox  # queued, sent by the worker
    link = _link_from_last_email()
    assert mail.outbox[-1].to == ["ichiro@example.jp"]
    number = f"{world.office.registration_code}-00123456"
    assert client.get(link).status_code == 200
    response = client.post(link)
    assert (response.status_code, response["Location"]) == (302, "/identify/received/")
    page = client.get("/identify/received/")
    assert page.status_code == 200 and world.office.phone in page.content.decode()
    # No record and no sign-in: the office checks the request first.
    assert not Jobseeker.objects.filter(number=number).exists()
    assert client.get("/book/")["Location"] == "/identify/"
    request = RegistrationRequest.objects.get(number=number)
    assert (request.family_name_kana, request.given_name_kana) == ("サトウ", "イチロウ")
    assert (request.email, request.office) == ("ichiro@example.jp", world.office)
    # Once staff confirmed it, "booked before" signs in.
    registration_request_confirm(request=request, actor=None, method="phone", now=NOW)
    client.post("/identify/returning/", {"number": number, "email": "ichiro@example.jp"})
    assert client.post(_link_from_last_email()).status_code == 302
    assert client.get("/book/", follow=True).redirect_chain[-1][0] == "/book/terms/"


def test_a_link_works_once_and_then_explains_itself(client, world):
    client.post(
        "/identify/returning/", {"number": world.jobseeker.number, "email": world.jobseeker.email}
    )
    link = _link_from_last_email()
    assert client.post(link).status_code == 302
    again = Client().post(link)
    assert again.status_code == 410
    assert "使用済み" in again.content.decode()
    assert 'href="/identify/"' in again.content.decode()


def test_an_expired_link_explains_itself(client, world):
    client.post(
        "/identify/returning/", {"number": world.jobseeker.number, "email": world.jobseeker.email}
    )
    link = _link_from_last_email()
    # The 30 minutes run on the database's clock (test_signin.py tests the lifetime itself):
    # moving this process's clock changes nothing, so the link is made due on that clock.
    SignInToken.objects.update(expires_at=db_now())
    response = client.post(link)
    assert response.status_code == 410
    assert "有効期限" in response.content.decode()
    assert SignInToken.objects.get().used_at is None


@pytest.mark.parametrize("token", ["x", "A" * 43, "../../etc/passwd", "%00" * 20])
def test_a_made_up_link_is_refused_without_a_500(client, world, token):
    # A control character (NUL) anywhere in a path is a 400 (security.middleware).
    refused = {400} if "%00" in token else {404, 410}
    assert client.get(f"/signin/{token}/").status_code in refused
    assert client.post(f"/signin/{token}/").status_code in refused


def test_the_typed_email_is_kept_no_longer_than_the_journey(client, world):
    client.post(
        "/identify/returning/", {"number": world.jobseeker.number, "email": world.jobseeker.email}
    )
    assert client.session.get_expiry_age() <= 60 * 60


def test_the_answer_never_tells_whether_a_number_is_known(client, world):
    known = client.post(
        "/identify/returning/", {"number": world.jobseeker.number, "email": world.jobseeker.email}
    )
    known_page = client.get("/identify/sent/")
    other = Client()
    unknown = other.post(
        "/identify/returning/", {"number": "33010-99999999", "email": world.jobseeker.email}
    )
    unknown_page = other.get("/identify/sent/")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    strip = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert strip.sub("", known_page.content.decode()) == strip.sub(
        "", unknown_page.content.decode()
    )
    assert send_queued() == len(mail.outbox) == 2
    assert "/signin/" in mail.outbox[0].body and "/signin/" not in mail.outbox[1].body


def test_a_first_visit_cannot_take_over_a_number_with_a_proven_email(client, world):
    client.post(
        "/identify/",
        {
            "number": world.jobseeker.number,
            "family_name": "山田",
            "given_name": "花子",
            "family_name_kana": "ヤマダ",
            "given_name_kana": "ハナコ",
            "email": "attacker@example.jp",
        },
    )
    response = client.post(_link_from_last_email())
    # The same answer as for any number: a request for the office, nobody signed in.
    assert (response.status_code, response["Location"]) == (302, "/identify/received/")
    world.jobseeker.refresh_from_db()
    assert world.jobseeker.email != "attacker@example.jp"
    assert client.get("/book/").status_code == 302
    assert client.get("/book/")["Location"] == "/identify/"


def test_identification_is_rate_limited_per_ip(client, world, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "identify_ip": (3, 3600)}
    data = {"number": "33010-99999999", "email": "a@example.jp"}
    for _i in range(3):
        assert client.post("/identify/returning/", data).status_code == 302
    response = client.post("/identify/returning/", data)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "試行回数が多すぎます" in response.content.decode()
    assert send_queued() == 3


def test_strangers_typing_a_number_never_lock_its_owner_out(world):
    """Nothing is counted per 求職番号: whoever knows a number could otherwise use up its count."""
    number = world.jobseeker.number
    for i in range(12):
        client = Client(REMOTE_ADDR=f"10.0.0.{i}")
        data = {"number": number, "email": f"x{i}@example.jp"}
        assert client.post("/identify/returning/", data).status_code == 302
    owner = Client(REMOTE_ADDR="192.0.2.77").post(
        "/identify/returning/", {"number": number, "email": world.jobseeker.email}
    )
    assert owner.status_code == 302


# Gates


def test_a_suspended_jobseeker_sees_why_and_the_office_phone(client, world):
    world.jobseeker.suspended = True
    world.jobseeker.suspension_reason = "Art 13(1)"
    world.jobseeker.save()
    sign_in_client(client, world.jobseeker)
    response = client.get("/book/", follow=True)
    assert response.redirect_chain[-1][0] == "/book/unavailable/"
    assert response.status_code == 403
    assert world.office.phone in response.content.decode()


def test_an_unverified_jobseeker_is_stopped_where_the_office_requires_it(client, world):
    world.jobseeker.registration_status = RegistrationStatus.UNVERIFIED
    world.jobseeker.save()
    sign_in_client(client, world.jobseeker)
    response = client.get("/book/terms/", follow=True)
    assert response.status_code == 403
    assert "確認" in _main(response) and world.office.phone in _main(response)


def test_the_upcoming_limit_is_a_gate(client, world):
    ReservationFactory(jobseeker=world.jobseeker, slot=world.slot_at(tokyo(2026, 12, 4, 9, 0)))
    sign_in_client(client, world.jobseeker)
    assert client.get("/book/unavailable/").status_code == 403


# Consent


def test_consent_is_recorded_with_version_time_and_channel(client, world):
    Consent.objects.all().delete()
    sign_in_client(client, world.jobseeker)
    page = client.get("/book/terms/")
    assert page.status_code == 200 and "ステップ 2/6" in page.content.decode()
    assert 'aria-current="step"' in page.content.decode()
    refused = client.post("/book/terms/", {"agree_terms": "on"})
    assert refused.status_code == 200 and _title(refused).startswith("エラー：")
    assert client.post("/book/terms/", {"agree_terms": "on", "agree_app_terms": "on"}).status_code
    consent = Consent.objects.get()
    assert consent.terms_version == world.terms
    assert consent.given_at == NOW
    assert consent.channel == "web" and consent.video_app_terms_accepted


def test_a_newer_version_is_asked_again_with_its_change_summary(client, world):
    TermsVersionFactory(
        bureau=world.office.bureau,
        label="v9",
        summary="第9条の根拠条文を第5条の5に改めました。",
        effective_from=tokyo(2026, 11, 1),
        published_at=tokyo(2026, 10, 1),
    )
    sign_in_client(client, world.jobseeker)
    assert client.get("/book/")["Location"] == "/book/terms/"
    page = client.get("/book/terms/").content.decode()
    assert "利用規約が変更されました" in page and "第5条の5" in page
    assert page.index("第5条の5") < page.index('class="terms-text"')


# Checklist, date and time, details


def test_every_checklist_item_is_required(client, world):
    sign_in_client(client, world.jobseeker, checklist=False)
    response = client.post("/book/checklist/", {"secure_device": "on"})
    assert response.status_code == 200
    assert _main(response).count('class="error-message"') == len(FULL_CHECKLIST) - 1
    response = client.post("/book/checklist/", dict.fromkeys(FULL_CHECKLIST, "on"))
    assert response["Location"] == "/book/date/"


def test_the_month_shows_free_days_and_why_others_are_unavailable(client, world):
    sign_in_client(client, world.jobseeker)
    response = client.get("/book/date/")
    main = _main(response)
    assert 'href="/book/date/2026-12-03/"' in main
    assert "12/1：予約できません（受付終了" in main  # today: past the cut-off
    assert "12/5：予約できません（土日）" in main or "12/5：予約できません（週末）" in main
    assert "12/29：予約できません（年末年始" in main


def test_a_national_holiday_shows_as_unavailable_with_its_reason(client, world):
    sign_in_client(client, world.jobseeker)
    with time_machine.travel(tokyo(2026, 11, 2, 9, 0), tick=False):
        main = _main(client.get("/book/date/?month=2026-11"))
    assert "11/23：予約できません（祝日" in main or "11/23：予約できません（国民の祝日" in main


def test_the_day_offers_its_free_times_as_radio_buttons(client, world):
    world.slot_at(tokyo(2026, 12, 3, 10, 30))
    ReservationFactory(slot=world.slot_at(tokyo(2026, 12, 3, 11, 0)))
    sign_in_client(client, world.jobseeker)
    main = _main(client.get("/book/date/2026-12-03/"))
    assert main.count('type="radio"') == 2
    assert "10:00〜" in main and "10:30〜" in main and "11:00〜" not in main


@pytest.mark.parametrize("value", ["abc", "0", "999999", ""])
def test_a_tampered_time_is_refused_with_a_message(client, world, value):
    sign_in_client(client, world.jobseeker)
    response = client.post("/book/date/2026-12-03/", {"slot": value})
    assert response.status_code == 200
    assert _title(response).startswith("エラー：")
    assert SESSION_SLOT not in client.session


def test_a_slot_of_another_office_is_refused_by_the_service(client, world):
    other = CounselorFactory(office=OfficeFactory(bureau=world.office.bureau))
    slot = world.slot_at(tokyo(2026, 12, 3, 10, 0), counselor=other)
    sign_in_client(client, world.jobseeker)
    response = client.post("/book/date/2026-12-03/", {"slot": slot.pk})
    assert "他のハローワーク" in _main(response)


def test_a_bad_date_in_the_url_is_a_404(client, world):
    sign_in_client(client, world.jobseeker)
    assert client.get("/book/date/2026-13-45/").status_code == 404


def test_an_interpreter_needs_a_language_and_the_note_is_limited(client, world):
    sign_in_client(client, world.jobseeker, slot=world.slot)
    response = client.post("/book/details/", {"interpreter": "on", "note": "あ" * 401})
    main = _main(response)
    assert 'href="#id_interpreter_language"' in main and 'href="#id_note"' in main
    assert SESSION_DETAILS not in client.session


# Check answers and commit


def test_check_answers_has_change_links_and_books(
    client, world, django_capture_on_commit_callbacks
):
    sign_in_client(client, world.jobseeker, slot=world.slot, details=DETAILS)
    page = client.get("/book/check/")
    main = _main(page)
    assert "2026年12月3日（木）10:00〜10:30" in main
    for url in ["/book/date/", "/book/details/", "/book/checklist/"]:
        assert f'href="{url}"' in main
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post("/book/check/", {"slot": world.slot.pk})
    reservation = Reservation.objects.get()
    assert response["Location"] == f"/book/done/{reservation_access_token(reservation)}/"
    assert SESSION_SLOT not in client.session


def test_a_just_taken_time_offers_the_nearest_free_times(client, world):
    sign_in_client(client, world.jobseeker, slot=world.slot, details=DETAILS)
    ReservationFactory(slot=world.slot)
    near = world.slot_at(tokyo(2026, 12, 3, 10, 30))
    response = client.post("/book/check/", {"slot": world.slot.pk})
    assert response.status_code == 409
    main = _main(response)
    assert "先ほど予約されました" in main
    assert f'value="{near.pk}"' in main
    assert Reservation.objects.count() == 1
    chosen = client.post("/book/time/", {"slot": near.pk})
    assert chosen.status_code == 302 and client.session[SESSION_SLOT] == near.pk


def test_a_tampered_hidden_slot_is_refused_by_the_service(client, world):
    other = CounselorFactory(office=OfficeFactory(bureau=world.office.bureau))
    foreign = world.slot_at(tokyo(2026, 12, 3, 10, 0), counselor=other)
    sign_in_client(client, world.jobseeker, slot=world.slot, details=DETAILS)
    response = client.post("/book/check/", {"slot": foreign.pk})
    assert response.status_code == 409
    assert _title(response).startswith("エラー：")
    assert "他のハローワーク" in _main(response)
    response = client.post("/book/check/", {"slot": "1 OR 1=1"})
    assert response.status_code == 409
    assert not Reservation.objects.exists()


def test_the_cutoff_is_checked_at_the_moment_of_commit(client, world):
    with time_machine.travel(tokyo(2026, 12, 3, 0, 0), tick=False):
        # Signed in just before midnight's cut-off (a journey lasts 8 hours at most).
        sign_in_client(client, world.jobseeker, slot=world.slot, details=DETAILS)
        response = client.post("/book/check/", {"slot": world.slot.pk})
    assert response.status_code == 409
    assert "前日まで" in _main(response)
    assert not Reservation.objects.exists()


# Confirmation and the reservation page


def _booked(world):
    return reservation_create(
        slot=world.slot,
        jobseeker=world.jobseeker,
        environment_checklist=dict(FULL_CHECKLIST),
        now=NOW,
    )


def test_the_confirmation_is_reached_through_the_reservation_link_alone(client, world):
    reservation = _booked(world)
    token = reservation_access_token(reservation)
    # No session at all: a booking whose session could not be saved still reaches it.
    response = Client().get(f"/book/done/{token}/")
    assert response.status_code == 200
    main = _main(response)
    assert reservation.reference in main
    assert "2026年12月3日（木）10:00〜10:30" in main
    assert "calendar.google.com" in main and "calendar.ics" in main
    assert world.office.phone in main
    stranger = sign_in_client(Client(), JobseekerFactory(office=world.office))
    # The reference (read out on the phone) is not the link.
    assert stranger.get(f"/book/done/{reservation.reference}/").status_code == 404
    wrong = token[:-1] + ("0" if token[-1] != "0" else "1")
    assert Client().get(f"/book/done/{wrong}/").status_code == 404


def test_the_reservation_page_needs_its_token(client, world):
    reservation = _booked(world)
    token = reservation_access_token(reservation)
    page = client.get(f"/r/{token}/")
    assert page.status_code == 200
    assert reservation.reference in page.content.decode()
    assert client.get(f"/r/{'0' * 64}/").status_code == 404
    assert client.get(f"/r/{token[:-1]}/").status_code == 404
    assert client.get(f"/r/{reservation.reference}/").status_code == 404
    assert client.post(f"/r/{token}/").status_code == 405


def test_the_meeting_url_appears_once_the_invitation_is_sent(client, world):
    reservation = _booked(world)
    token = reservation_access_token(reservation)
    assert reservation.meeting_url not in client.get(f"/r/{token}/").content.decode()
    Notification.objects.filter(reservation=reservation).update(
        status=NotificationStatus.SENT, sent_at=NOW
    )
    assert reservation.meeting_url in client.get(f"/r/{token}/").content.decode()


def test_the_calendar_file_downloads(client, world):
    reservation = _booked(world)
    response = client.get(f"/r/{reservation_access_token(reservation)}/calendar.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert b"BEGIN:VEVENT" in response.content
    assert client.get(f"/r/{'f' * 64}/calendar.ics").status_code == 404


def test_cancellation_online_is_off_by_default(client, world):
    reservation = _booked(world)
    token = reservation_access_token(reservation)
    assert "/cancel/" not in client.get(f"/r/{token}/").content.decode()
    assert client.get(f"/r/{token}/cancel/").status_code == 404
    assert client.post(f"/r/{token}/cancel/").status_code == 404


def test_online_cancellation_asks_first_then_cancels(client, world):
    world.office.online_cancellation_allowed = True
    world.office.save()
    reservation = _booked(world)
    token = reservation_access_token(reservation)
    assert f"/r/{token}/cancel/" in client.get(f"/r/{token}/").content.decode()
    confirm = client.get(f"/r/{token}/cancel/")
    assert confirm.status_code == 200 and "キャンセルしますか" in confirm.content.decode()
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.CONFIRMED
    assert client.post(f"/r/{token}/cancel/")["Location"] == f"/r/{token}/"
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.CANCELLED
    assert reservation.cancel_channel == "web"
    assert client.put(f"/r/{token}/cancel/").status_code == 405
    assert client.post(f"/r/{token}/cancel/").status_code == 409


# Bad input, CSRF, language


def test_an_oversized_body_is_refused_without_a_500(client, world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = client.post(
        "/identify/returning/", {"number": "1" * 20_000, "email": "a@example.jp"}
    )
    assert response.status_code == 400


def test_posts_without_a_csrf_token_are_refused(world):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/identify/returning/", {"number": world.jobseeker.number, "email": "a@example.jp"}
    )
    assert response.status_code == 403
    assert not mail.outbox


def test_every_page_switches_to_english(client, world):
    sign_in_client(client, world.jobseeker, slot=world.slot, details=DETAILS)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/book/check/"})
    assert response["Location"] == "/book/check/"
    page = client.get("/book/check/").content.decode()
    assert '<html lang="en">' in page and "Check your answers" in page
    assert "Thu 3 Dec 2026, 10:00–10:30" in page
    assert 'lang="ja">日本語</button>' in page


def test_a_first_visitor_learns_nothing_but_that_the_office_checks_the_request(client, world):
    response = client.post(
        "/identify/",
        {
            "number": f"{world.office.registration_code}-77777777",
            "family_name": "鈴木",
            "given_name": "次郎",
            "family_name_kana": "スズキ",
            "given_name_kana": "ジロウ",
            "email": "jiro@example.jp",
        },
    )
    assert response.status_code == 302
    assert client.post(_link_from_last_email())["Location"] == "/identify/received/"
    assert client.get("/book/")["Location"] == "/identify/"
    assert not Consent.objects.filter(jobseeker__email="jiro@example.jp").exists()


def test_error_pages_explain_themselves_in_the_page_language(world, settings):
    client = Client(enforce_csrf_checks=True)
    refused = client.post("/identify/returning/", {"number": "1"})
    assert refused.status_code == 403
    assert "期限切れ" in refused.content.decode()
    missing = client.get("/r/" + "0" * 64 + "/")
    assert missing.status_code == 404
    assert "ページが見つかりません" in missing.content.decode()


GARBAGE = [
    {"number": "\x00", "email": "\x00@example.jp", "slot": "\x00"},
    {"number": "３" * 5000, "family_name": "あ" * 5000, "note": "x" * 100_000},
    {"slot": ["1", "2", "3"], "number": ["1", "2"], "agree_terms": ["on", "off"]},
    {"family_name_kana": "😀", "given_name_kana": "<script>", "email": "a@b@c"},
    {"slot": "99999999999999999999999", "interpreter": "on", "interpreter_language": "\u202e"},
]
POST_URLS = [
    "/identify/",
    "/identify/returning/",
    "/book/terms/",
    "/book/checklist/",
    "/book/date/2026-12-03/",
    "/book/time/",
    "/book/details/",
    "/book/check/",
    "/signin/" + "A" * 43 + "/",
    "/signout/",
]


@pytest.mark.parametrize("url", POST_URLS)
def test_no_input_gives_a_500(client, world, url):
    sign_in_client(client, world.jobseeker, slot=world.slot, details=DETAILS)
    for data in GARBAGE:
        response = client.post(url, data)
        assert response.status_code < 500, (url, data)
    assert client.get(url.replace("/signout/", "/") + "?month=\x00&x=%ff").status_code < 500


def test_a_mail_provider_failure_never_reaches_the_page_and_the_email_is_retried(
    client, world, monkeypatch
):
    """Issue 16 (5): the sign-in email is an outbox row; the provider is the worker's concern."""

    def refuse(self, *args, **kwargs):
        raise ConnectionRefusedError

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", refuse)
    response = client.post(
        "/identify/returning/", {"number": world.jobseeker.number, "email": world.jobseeker.email}
    )
    assert (response.status_code, response["Location"]) == (302, "/identify/sent/")
    notification = Notification.objects.get()
    assert send_queued() == 0
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.QUEUED
    assert (
        notification.next_attempt_at is not None
        and "ConnectionRefusedError" in notification.last_error
    )
    monkeypatch.undo()
    Notification.objects.filter(pk=notification.pk).update(next_attempt_at=None)
    assert send_queued() == 1 and "/signin/" in mail.outbox[-1].body


def test_a_page_view_writes_the_session_at_most_every_five_minutes_and_idle_ends_the_journey(
    client, world
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    sign_in_client(client, world.jobseeker)

    def session_writes(at) -> int:
        with time_machine.travel(at, tick=False), CaptureQueriesContext(connection) as ctx:
            assert client.get("/book/date/").status_code == 200
        return sum(
            q["sql"].startswith(("UPDATE", "INSERT")) and "django_session" in q["sql"]
            for q in ctx.captured_queries
        )

    assert session_writes(NOW) == 1  # the first page pushes the deadline back
    assert session_writes(NOW + dt.timedelta(minutes=4)) == 0
    assert session_writes(NOW + dt.timedelta(minutes=5)) == 1
    # Active every few minutes: still signed in well past the first hour.
    for minutes in (30, 58, 85):
        assert session_writes(NOW + dt.timedelta(minutes=minutes)) == 1
    # An hour without activity since the last write: the journey is over.
    with time_machine.travel(NOW + dt.timedelta(minutes=85 + 61), tick=False):
        response = client.get("/book/date/")
    assert response.status_code == 302
    assert response["Location"] == "/identify/"


def _statements(ctx) -> list[str]:
    control = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")
    return [q["sql"] for q in ctx.captured_queries if not q["sql"].startswith(control)]


def test_the_check_page_and_the_booking_make_few_statements(
    client, world, django_capture_on_commit_callbacks
):
    """Issue 9's budget (at most 6 statements a public page): the terms in force and the
    consent to them are one query, and a booking is not checked twice before its commit."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    sign_in_client(client, world.jobseeker, slot=world.slot, details=DETAILS)
    client.get("/book/check/")  # the journey's first write of the session
    with CaptureQueriesContext(connection) as page:
        assert client.get("/book/check/").status_code == 200
    assert len(_statements(page)) <= 6, _statements(page)

    with (
        CaptureQueriesContext(connection) as booking,
        django_capture_on_commit_callbacks(execute=False),
    ):
        assert client.post("/book/check/", {"slot": world.slot.pk}).status_code == 302
    # Session and jobseeker; under the locks: slot, jobseeker, terms with consent, the slot's
    # holder, the upcoming count; the reservation, the activity time, the audit entry, the
    # invitation; the usage record and the session.
    assert len(_statements(booking)) <= 14, _statements(booking)


def test_a_session_lives_in_the_database_alone(client, world):
    """No copy in the cache that an outage could leave behind (a signed-out session served
    again when Redis comes back with its data): each request reads the row."""
    from django.contrib.sessions.models import Session
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    sign_in_client(client, world.jobseeker)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/book/date/").status_code == 200
    assert [q for q in ctx.captured_queries if "django_session" in q["sql"]]
    assert not [key for key in cache._cache if "session" in key]
    cache.clear()  # Redis flushed or restarted: nothing of the session was in it
    assert client.get("/book/date/").status_code == 200
    client.post("/signout/")
    assert not Session.objects.exists()
