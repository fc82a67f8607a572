"""The sign-in email to a known jobseeker greets them (様) and is signed by their office with
its phone number; the email to an unknown address names nobody and no office."""

import pytest
from django.core import mail

from jobseekers.signin import sign_in_request_returning
from tests.factories import JobseekerFactory, OfficeFactory
from tests.helpers import send_queued

pytestmark = pytest.mark.django_db


def test_signed_and_greeted_only_when_the_address_is_the_numbers_own():
    office = OfficeFactory(registration_code="33010", phone="086-111-2222")
    jobseeker = JobseekerFactory(
        office=office,
        number="33010-00012345",
        email="own@example.jp",
        family_name="山田",
        given_name="花子",
    )
    sign_in_request_returning(number=jobseeker.number, email="own@example.jp")
    sign_in_request_returning(number=jobseeker.number, email="stranger@example.jp")
    assert send_queued() == 2
    own, stranger = sorted(mail.outbox, key=lambda m: m.to[0] != "own@example.jp")
    html = dict((kind, body) for body, kind in own.alternatives)["text/html"]
    for body in (own.body, html):
        assert "山田 花子 様" in body or "山田花子 様" in body
        assert "086-111-2222" in body and office.name in body
    stranger_html = dict((kind, body) for body, kind in stranger.alternatives)["text/html"]
    for body in (stranger.body, stranger_html):
        assert "様" not in body and "086-111-2222" not in body and office.name not in body
        assert "オンライン職業相談" in body
