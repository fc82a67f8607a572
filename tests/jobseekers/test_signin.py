"""One-time sign-in links: single use, 30 minutes, never taken over by knowing a number."""

import datetime as dt
import re

import pytest
from django.core import mail

from bookings.ratelimit import Limit, limit_hit, retry_after
from jobseekers.models import Jobseeker, RegistrationStatus, SignInToken
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
from tests.factories import JobseekerFactory, OfficeFactory, tokyo

NOW = tokyo(2026, 12, 1, 10, 0)


def _token() -> str:
    return re.search(r"/signin/([^/\s]+)/", mail.outbox[-1].body).group(1)


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


def test_only_the_hash_of_a_link_is_stored(office):
    token = _first_visit(f"{office.registration_code}-00000001")
    row = SignInToken.objects.get()
    assert token not in row.token_hash and len(row.token_hash) == 64
    assert row.expires_at == NOW + SIGN_IN_LIFETIME == NOW + dt.timedelta(minutes=30)


def test_a_link_works_until_29_59_and_not_at_30_minutes(office):
    token = _first_visit(f"{office.registration_code}-00000001")
    with pytest.raises(LinkExpired):
        sign_in_redeem(token=token, now=NOW + dt.timedelta(minutes=30))
    assert sign_in_redeem(token=token, now=NOW + dt.timedelta(minutes=29, seconds=59)).pk


def test_a_link_works_once(office):
    token = _first_visit(f"{office.registration_code}-00000001")
    sign_in_redeem(token=token, now=NOW)
    with pytest.raises(LinkUsed):
        sign_in_redeem(token=token, now=NOW)


def test_an_unknown_link_is_invalid(db):
    with pytest.raises(LinkInvalid):
        sign_in_redeem(token="x" * 43, now=NOW)


def test_a_first_visit_creates_an_unverified_record_of_the_numbers_office(office):
    jobseeker = sign_in_redeem(token=_first_visit(f"{office.registration_code}-00000001"), now=NOW)
    assert jobseeker.office == office
    assert jobseeker.registration_status == RegistrationStatus.UNVERIFIED
    assert jobseeker.email == "new@example.jp" and jobseeker.email_verified_at == NOW


def test_a_roster_record_adopts_the_proven_email_when_the_reading_matches(office):
    roster = JobseekerFactory(
        office=office,
        number=f"{office.registration_code}-00000002",
        email="old@example.jp",
        email_verified_at=None,
    )
    jobseeker = sign_in_redeem(token=_first_visit(roster.number), now=NOW)
    assert jobseeker.pk == roster.pk
    roster.refresh_from_db()
    assert roster.email == "new@example.jp" and roster.email_verified_at == NOW
    assert roster.registration_status == RegistrationStatus.VERIFIED_STAFF


def test_a_wrong_reading_does_not_match_a_record(office):
    roster = JobseekerFactory(
        office=office, number=f"{office.registration_code}-00000003", email_verified_at=None
    )
    with pytest.raises(DetailsMismatch):
        sign_in_redeem(token=_first_visit(roster.number, kana=("サトウ", "ハナコ")), now=NOW)
    roster.refresh_from_db()
    assert roster.email != "new@example.jp"


def test_a_proven_email_is_not_replaced_by_a_first_visit(office):
    owner = JobseekerFactory(office=office, number=f"{office.registration_code}-00000004")
    with pytest.raises(DetailsMismatch):
        sign_in_redeem(token=_first_visit(owner.number), now=NOW)
    # The link is spent all the same: it cannot be retried.
    assert SignInToken.objects.get().used_at == NOW


def test_a_number_of_no_office_matches_nothing(db):
    with pytest.raises(DetailsMismatch):
        sign_in_redeem(token=_first_visit("99999-00000001"), now=NOW)
    assert not Jobseeker.objects.exists()


def test_a_returning_jobseeker_gets_a_link_only_when_number_and_email_match(office):
    known = JobseekerFactory(office=office, email="Hanako@Example.jp")
    sign_in_request_returning(number=known.number, email="hanako@example.jp", now=NOW)
    assert sign_in_redeem(token=_token(), now=NOW) == known
    sign_in_request_returning(number=known.number, email="someone@example.jp", now=NOW)
    assert "/signin/" not in mail.outbox[-1].body
    assert mail.outbox[-1].to == ["someone@example.jp"]
    assert SignInToken.objects.count() == 1


def test_emails_follow_the_language_of_the_page(office):
    sign_in_request_returning(number="33010-00000000", email="a@example.jp", language="en", now=NOW)
    assert mail.outbox[-1].subject.startswith("About your request")
    sign_in_request_returning(number="33010-00000000", email="a@example.jp", language="ja", now=NOW)
    assert "オンライン職業相談" in mail.outbox[-1].subject


def test_the_rate_limit_counts_per_window_and_resets(db):
    rule = Limit(name="test", count=2, window=60)
    at = 1_000_020.0
    assert [limit_hit(rule, "k", at=at) for _i in range(3)] == [False, False, True]
    assert limit_hit(rule, "other", at=at) is False
    assert limit_hit(rule, "k", at=at + 60) is False
    assert 1 <= retry_after(rule, at=at) <= 61
