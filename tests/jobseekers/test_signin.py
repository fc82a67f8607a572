"""One-time sign-in links: single use, 30 minutes, and never a way into someone else's record.

Only an address the office bound to a number (typed by staff, a confirmed request, a roster)
gets a link that signs in; a first visit with any other address becomes a request for the
office to check, and changes no record.
"""

import datetime as dt

import pytest
from django.core import mail

from core.ratelimit import Limit, limit_hit, retry_after
from jobseekers.models import (
    Jobseeker,
    RegistrationRequest,
    RequestStatus,
    SignInPurpose,
    SignInToken,
)
from jobseekers.signin import (
    SIGN_IN_LIFETIME,
    DetailsMismatch,
    LinkExpired,
    LinkInvalid,
    LinkUsed,
    sign_in_redeem,
    sign_in_request_first_visit,
    sign_in_request_returning,
)
from notifications.models import Notification, NotificationKind, NotificationStatus
from tests.factories import JobseekerFactory, OfficeFactory, tokyo
from tests.helpers import send_queued, sign_in_token

NOW = tokyo(2026, 12, 1, 10, 0)


def _token() -> str:
    return sign_in_token(now=NOW)


def _first_visit(number: str, *, email="new@example.jp", kana=("ヤマダ", "ハナコ"), now=NOW):
    sign_in_request_first_visit(
        number=number,
        family_name="山田",
        given_name="花子",
        family_name_kana=kana[0],
        given_name_kana=kana[1],
        email=email,
        now=now,
    )
    return _token()


@pytest.fixture
def office(db):
    return OfficeFactory()


@pytest.fixture
def staff_record(office):
    """Made by staff (or from a roster) with the address the office has; never used online."""
    return JobseekerFactory(
        office=office,
        number=f"{office.registration_code}-00000002",
        family_name="岡山",
        given_name="花子",
        family_name_kana="オカヤマ",
        given_name_kana="ハナコ",
        email="hanako@example.jp",
        email_verified_at=None,
    )


# --- The link itself ---


def test_only_the_hash_and_a_nonce_are_stored_and_the_outbox_row_holds_no_link(office):
    sign_in_request_first_visit(
        number=f"{office.registration_code}-00000001",
        family_name="山田",
        given_name="花子",
        family_name_kana="ヤマダ",
        given_name_kana="ハナコ",
        email="new@example.jp",
        now=NOW,
    )
    row = SignInToken.objects.get()
    notification = Notification.objects.get()
    assert notification.sign_in_token == row
    assert notification.status == NotificationStatus.QUEUED
    assert not mail.outbox  # nothing is sent in the request
    token = _token()
    stored = " ".join(
        str(value)
        for model in (row, notification)
        for value in model.__class__.objects.filter(pk=model.pk).values().get().values()
    )
    assert token not in stored
    assert len(row.token_hash) == 64 and len(row.nonce) == 32
    assert row.expires_at == NOW + SIGN_IN_LIFETIME == NOW + dt.timedelta(minutes=30)


def test_the_link_survives_a_key_rotation_through_the_fallback_keys(office, settings):
    known = JobseekerFactory(office=office, email="k@example.jp")
    sign_in_request_returning(number=known.number, email="k@example.jp", now=NOW)
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "a-new-key-" * 5, [old_key]
    assert sign_in_redeem(token=_token(), now=NOW).jobseeker == known


def test_a_link_that_no_key_derives_is_failed_not_sent_broken(office, settings):
    known = JobseekerFactory(office=office, email="k@example.jp")
    sign_in_request_returning(number=known.number, email="k@example.jp", now=NOW)
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "a-new-key-" * 5, []
    assert send_queued(now=NOW) == 0
    assert Notification.objects.get().status == NotificationStatus.FAILED
    assert not mail.outbox


def test_a_link_works_until_29_59_and_not_at_30_minutes(office, staff_record):
    sign_in_request_returning(number=staff_record.number, email=staff_record.email, now=NOW)
    token = _token()
    with pytest.raises(LinkExpired):
        sign_in_redeem(token=token, now=NOW + dt.timedelta(minutes=30))
    assert sign_in_redeem(token=token, now=NOW + dt.timedelta(minutes=29, seconds=59)).jobseeker


def test_a_link_works_once(office, staff_record):
    sign_in_request_returning(number=staff_record.number, email=staff_record.email, now=NOW)
    token = _token()
    sign_in_redeem(token=token, now=NOW)
    with pytest.raises(LinkUsed):
        sign_in_redeem(token=token, now=NOW)


def test_an_unknown_link_is_invalid(db):
    with pytest.raises(LinkInvalid):
        sign_in_redeem(token="x" * 43, now=NOW)


def test_a_link_that_expired_in_the_queue_is_not_sent(office, staff_record):
    sign_in_request_returning(number=staff_record.number, email=staff_record.email, now=NOW)
    assert send_queued(now=NOW + SIGN_IN_LIFETIME) == 0
    notification = Notification.objects.get()
    assert notification.status == NotificationStatus.SKIPPED
    assert "expired" in notification.last_error
    assert not mail.outbox


# --- Returning: number + the bound address ---


def test_a_returning_jobseeker_gets_a_link_only_to_the_address_the_office_has(office):
    known = JobseekerFactory(office=office, email="Hanako@Example.jp")
    sign_in_request_returning(number=known.number, email="hanako@example.jp", now=NOW)
    assert sign_in_redeem(token=_token(), now=NOW).jobseeker == known
    assert mail.outbox[-1].to == ["Hanako@Example.jp"]
    sign_in_request_returning(number=known.number, email="someone@example.jp", now=NOW)
    send_queued(now=NOW)
    assert "/signin/" not in mail.outbox[-1].body
    assert mail.outbox[-1].to == ["someone@example.jp"]
    assert SignInToken.objects.count() == 1
    # The "no match" email is linked to no jobseeker: it may be anyone's address.
    assert Notification.objects.get(kind=NotificationKind.SIGN_IN_UNKNOWN).jobseeker is None


def test_emails_follow_the_language_of_the_page(office):
    sign_in_request_returning(number="33010-00000000", email="a@example.jp", language="en", now=NOW)
    send_queued(now=NOW)
    assert mail.outbox[-1].subject.startswith("About your request")
    sign_in_request_returning(number="33010-00000000", email="a@example.jp", language="ja", now=NOW)
    send_queued(now=NOW)
    assert "オンライン職業相談" in mail.outbox[-1].subject


def test_a_returning_link_stops_working_when_the_office_binds_another_address(office, staff_record):
    sign_in_request_returning(number=staff_record.number, email=staff_record.email, now=NOW)
    token = _token()
    Jobseeker.objects.filter(pk=staff_record.pk).update(email="corrected@example.jp")
    with pytest.raises(DetailsMismatch):
        sign_in_redeem(token=token, now=NOW)


# --- First visit ---


def test_a_first_visit_with_the_address_the_office_has_signs_in(office, staff_record):
    """The office typed this address: whoever opens the link sent to it is the jobseeker."""
    token = _first_visit(staff_record.number, email="HANAKO@example.jp", kana=("ダレ", "カ"))
    assert SignInToken.objects.get().purpose == SignInPurpose.RETURNING
    redeemed = sign_in_redeem(token=token, now=NOW)
    assert redeemed.jobseeker == staff_record and redeemed.request is None
    staff_record.refresh_from_db()
    assert staff_record.email_verified_at == NOW
    # Made-up names change nothing on the record.
    assert staff_record.family_name_kana == "オカヤマ"


def test_knowing_the_number_and_the_reading_takes_nothing_over(office, staff_record):
    """Issue 15 (3.3): number, made-up kanji, the right kana and the attacker's address."""
    token = _first_visit(
        staff_record.number, email="attacker@example.jp", kana=("オカヤマ", "ハナコ")
    )
    assert mail.outbox[-1].to == ["attacker@example.jp"]
    redeemed = sign_in_redeem(token=token, now=NOW)
    assert redeemed.jobseeker is None
    staff_record.refresh_from_db()
    assert staff_record.email == "hanako@example.jp"
    assert staff_record.email_verified_at is None and staff_record.email_bound_at is None
    request = redeemed.request
    assert (request.number, request.email, request.status) == (
        staff_record.number,
        "attacker@example.jp",
        RequestStatus.PENDING,
    )
    # The owner still gets in with the address the office has.
    sign_in_request_returning(number=staff_record.number, email=staff_record.email, now=NOW)
    assert sign_in_redeem(token=_token(), now=NOW).jobseeker == staff_record


def test_asking_first_for_a_strangers_number_squats_nothing(office):
    """Issue 15 (3.3): the first to ask for an unregistered number gets no record; the real
    owner's request stands beside theirs, and the office confirms the owner's."""
    number = f"{office.registration_code}-00000009"
    squatter = sign_in_redeem(token=_first_visit(number, email="squatter@example.jp"), now=NOW)
    assert squatter.jobseeker is None
    assert not Jobseeker.objects.filter(number=number).exists()
    owner = sign_in_redeem(token=_first_visit(number, email="owner@example.jp"), now=NOW)
    assert owner.jobseeker is None
    assert set(
        RegistrationRequest.objects.filter(number=number, status=RequestStatus.PENDING).values_list(
            "email", flat=True
        )
    ) == {"squatter@example.jp", "owner@example.jp"}


def test_asking_again_refreshes_the_request_of_the_same_address(office):
    number = f"{office.registration_code}-00000010"
    sign_in_redeem(token=_first_visit(number), now=NOW)
    later = NOW + dt.timedelta(minutes=5)
    sign_in_redeem(token=_first_visit(number, email="NEW@example.jp", now=later), now=later)
    request = RegistrationRequest.objects.get()
    assert (request.created_at, request.received_at) == (NOW, later)
    assert request.email == "NEW@example.jp"


def test_a_first_visit_link_signs_in_once_the_office_has_bound_the_address(office):
    """A link opened after staff confirmed the request signs in instead of asking again."""
    number = f"{office.registration_code}-00000011"
    token = _first_visit(number, email="late@example.jp")
    JobseekerFactory(office=office, number=number, email="late@example.jp")
    assert sign_in_redeem(token=token, now=NOW).jobseeker.number == number
    assert not RegistrationRequest.objects.exists()


def test_the_rate_limit_counts_per_window_and_resets(db):
    rule = Limit(name="test", count=2, window=60)
    at = 1_000_020.0
    assert [limit_hit(rule, "k", at=at) for _i in range(3)] == [False, False, True]
    assert limit_hit(rule, "other", at=at) is False
    assert limit_hit(rule, "k", at=at + 60) is False
    assert 1 <= retry_after(rule, at=at) <= 61
