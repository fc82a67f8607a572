"""Sending one outbox row: content, idempotence, temporary and permanent provider errors."""

import datetime as dt
import os

import boto3
import pytest
from botocore.stub import ANY, Stubber
from django.core import mail
from icalendar import Calendar

from bookings.models import ReservationStatus
from jobseekers.models import EmailProblem
from notifications.models import Notification, NotificationKind, NotificationStatus
from notifications.services.delivery import Outcome, notification_send
from notifications.services.outbox import (
    cancellation_queue,
    invitation_queue,
    reminder_queue,
)
from tests.factories import JobseekerFactory, ReservationFactory, SlotFactory, tokyo

pytestmark = pytest.mark.django_db

NOW = tokyo(2026, 11, 20, 9, 0)


def _reservation(**kwargs):
    jobseeker = kwargs.pop("jobseeker", None) or JobseekerFactory(
        **{k: kwargs.pop(k) for k in list(kwargs) if k in {"email", "preferred_language"}}
    )
    return ReservationFactory(
        jobseeker=jobseeker,
        slot=SlotFactory(starts_at=tokyo(2026, 12, 1, 10, 0), counselor__office=jobseeker.office),
        meeting_url="https://zoom.example/j/42",
        environment_checklist={"secure_device": True, "app_ready": True},
        **kwargs,
    )


def _invite(reservation) -> Notification:
    return invitation_queue(reservation=reservation, now=NOW)


def test_the_invitation_carries_everything_the_terms_promise(mail_log):
    reservation = _reservation()
    office = reservation.office
    notification = _invite(reservation)

    result = notification_send(notification_id=notification.pk, now=NOW)

    assert result.outcome == Outcome.SENT
    (message,) = mail.outbox
    assert "2026年12月1日（火）10:00〜10:30" in message.subject
    assert reservation.reference in message.subject
    body = message.body
    for expected in [
        "2026年12月1日（火）10:00〜10:30",
        office.name,
        "https://zoom.example/j/42",
        office.video_app_name,
        office.video_app_guide_url,
        office.phone,
        "10分",
        "録画",
        "calendar.google.com",
        "outlook.live.com",
        "http://testserver/r/",
        "WEBカメラ付きの安全な端末",
    ]:
        assert expected in body, expected
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert 'href="https://zoom.example/j/42"' in html
    (attachment,) = message.attachments
    assert attachment.filename == "invitation.ics"
    assert attachment.mimetype.startswith("text/calendar; method=REQUEST")
    calendar = Calendar.from_ical(attachment.content)
    assert calendar["METHOD"] == "REQUEST"
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT
    assert notification.provider_message_id.startswith("test-")
    assert notification.sent_at is not None
    assert notification.attempts == 1
    assert message.extra_headers["Message-ID"].startswith(f"<notification-{notification.pk}-")


def test_it_is_in_english_for_an_english_speaker(mail_log):
    notification = _invite(_reservation(preferred_language="en"))
    notification_send(notification_id=notification.pk, now=NOW)
    (message,) = mail.outbox
    assert message.subject.startswith("Invitation: online job consultation on Tue 1 Dec 2026")
    assert "10 minutes" in message.body


def test_a_second_send_does_nothing(mail_log):
    notification = _invite(_reservation())
    assert notification_send(notification_id=notification.pk, now=NOW).outcome == Outcome.SENT
    assert (
        notification_send(notification_id=notification.pk, now=NOW).outcome == Outcome.NOT_CLAIMED
    )
    assert len(mail.outbox) == 1
    assert [line["result"] for line in mail_log()] == ["sent"]


def test_a_provider_5xx_is_retried_with_backoff_and_sent_on_the_fourth_try(mail_log):
    notification = _invite(_reservation(email="flaky@example.jp"))
    outcomes = []
    for _ in range(4):
        outcomes.append(notification_send(notification_id=notification.pk, now=NOW))
        notification.refresh_from_db()
        if outcomes[-1].outcome == Outcome.RETRY:
            assert notification.status == NotificationStatus.QUEUED
            assert "503" in notification.last_error
            assert notification.next_attempt_at > NOW
    assert [o.outcome for o in outcomes] == [Outcome.RETRY] * 3 + [Outcome.SENT]
    delays = [o.retry_in for o in outcomes[:3]]
    assert delays[0] < delays[1] < delays[2] <= 60
    assert notification.status == NotificationStatus.SENT
    assert notification.attempts == 4
    assert [line["result"] for line in mail_log()] == ["503", "503", "503", "sent"]


def test_temporary_errors_give_up_after_the_maximum_attempts(mail_log, settings, monkeypatch):
    settings.NOTIFICATION_MAX_ATTEMPTS = 2
    monkeypatch.setenv("HW_MAIL_FAILURES", "10")
    notification = _invite(_reservation(email="flaky@example.jp"))
    first = notification_send(notification_id=notification.pk, now=NOW)
    second = notification_send(notification_id=notification.pk, now=NOW)
    assert (first.outcome, second.outcome) == (Outcome.RETRY, Outcome.FAILED)
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.FAILED
    assert "gave up after 2 attempts" in notification.last_error


def test_a_refused_recipient_fails_once_with_the_reason_and_flags_the_address(mail_log):
    reservation = _reservation(email="refuse@example.jp")
    notification = _invite(reservation)

    result = notification_send(notification_id=notification.pk, now=NOW)

    assert result.outcome == Outcome.FAILED
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.FAILED
    assert "AnymailRecipientsRefused" in notification.last_error
    assert notification.failed_at is not None
    reservation.jobseeker.refresh_from_db()
    assert reservation.jobseeker.email_problem == EmailProblem.BOUNCED
    assert notification_send(notification_id=notification.pk).outcome == Outcome.NOT_CLAIMED
    assert [line["result"] for line in mail_log()] == ["refused"]


def test_no_invitation_goes_out_without_a_meeting_url(mail_log):
    reservation = _reservation()
    reservation.meeting_url = ""
    reservation.meeting_url_problem = "The counselor has no personal meeting room URL."
    reservation.save()
    notification = _invite(reservation)

    assert notification_send(notification_id=notification.pk, now=NOW).outcome == Outcome.FAILED

    notification.refresh_from_db()
    assert notification.last_error == "The counselor has no personal meeting room URL."
    assert mail.outbox == []


def test_a_reminder_for_a_cancelled_reservation_is_skipped(mail_log):
    reservation = _reservation()
    notification, created = reminder_queue(reservation=reservation, now=NOW)
    assert created
    reservation.status = ReservationStatus.CANCELLED
    reservation.cancelled_at = NOW
    reservation.save()
    assert notification_send(notification_id=notification.pk, now=NOW).outcome == Outcome.SKIPPED
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SKIPPED
    assert mail.outbox == []


def test_the_reminder_repeats_the_url_and_the_phone(mail_log):
    reservation = _reservation()
    notification, _ = reminder_queue(reservation=reservation, now=NOW)
    assert notification_send(notification_id=notification.pk, now=NOW).outcome == Outcome.SENT
    (message,) = mail.outbox
    assert message.subject.startswith("リマインダー")
    assert "https://zoom.example/j/42" in message.body
    assert reservation.office.phone in message.body


def test_the_cancellation_removes_the_event_from_calendars(mail_log):
    reservation = _reservation()
    invitation = _invite(reservation)
    notification_send(notification_id=invitation.pk, now=NOW)
    reservation.status = ReservationStatus.CANCELLED
    reservation.cancelled_at = NOW
    reservation.sequence += 1
    reservation.save()
    cancellation = cancellation_queue(reservation=reservation, now=NOW)

    assert notification_send(notification_id=cancellation.pk, now=NOW).outcome == Outcome.SENT

    first, second = (Calendar.from_ical(m.attachments[0].content) for m in mail.outbox)
    (request,) = first.walk("VEVENT")
    (cancel,) = second.walk("VEVENT")
    assert second["METHOD"] == "CANCEL"
    assert str(cancel["STATUS"]) == "CANCELLED"
    assert cancel["UID"] == request["UID"]
    assert int(cancel["SEQUENCE"]) == int(request["SEQUENCE"]) + 1
    assert mail.outbox[1].subject.startswith("【予約キャンセル】")
    assert [m.attachments[0].filename for m in mail.outbox] == [
        "invitation.ics",
        "cancellation.ics",
    ]


def test_the_no_show_notice_says_how_to_book_again(mail_log):
    from notifications.services.outbox import no_show_queue

    reservation = _reservation()
    notification = no_show_queue(reservation=reservation, now=NOW)
    assert notification_send(notification_id=notification.pk, now=NOW).outcome == Outcome.SENT
    (message,) = mail.outbox
    assert "2026年12月1日（火）10:00〜10:30" in message.body
    assert "http://testserver/" in message.body
    assert reservation.office.phone in message.body


HOSTILE = '<script>alert(1)</script>\r\nBcc: victim@example.com "x'


def test_hostile_names_and_notes_inject_nothing(mail_log):
    jobseeker = JobseekerFactory(family_name=HOSTILE[:50], given_name="a" * 50)
    reservation = _reservation(
        jobseeker=jobseeker, note=HOSTILE * 5, interpreter_language=HOSTILE[:50]
    )
    reservation.office.name = "Office\r\nBcc: evil@example.com"
    reservation.office.save()
    notification = _invite(reservation)

    assert notification_send(notification_id=notification.pk, now=NOW).outcome == Outcome.SENT

    (message,) = mail.outbox
    raw = message.message().as_bytes()
    headers = raw.split(b"\n\n", 1)[0]
    assert b"evil@example.com" not in headers.replace(b"\r\n ", b" ").split(b"From:")[0]
    assert message.bcc == []
    assert message.recipients() == [jobseeker.email]
    html = message.alternatives[0].content
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "\n" not in message.subject and "\r" not in message.subject
    assert message.from_email.count("\n") == 0


def test_it_counts_each_attempt_and_keeps_one_row_per_invitation(mail_log):
    reservation = _reservation()
    first = _invite(reservation)
    again = _invite(reservation)
    assert first.pk == again.pk
    assert Notification.objects.filter(kind=NotificationKind.INVITATION).count() == 1


def test_the_sending_lease_is_honoured_by_the_claim(mail_log):
    notification = _invite(_reservation())
    Notification.objects.filter(pk=notification.pk).update(
        status=NotificationStatus.SENDING, sending_started_at=NOW - dt.timedelta(minutes=1)
    )
    assert (
        notification_send(notification_id=notification.pk, now=NOW).outcome == Outcome.NOT_CLAIMED
    )
    assert mail.outbox == []


@pytest.mark.parametrize(
    "address",
    [
        "",
        "not-an-address",
        "a@b.jp\r\nBcc: victim@example.com",
        "a..b@example.jp",
        "<script>@example.jp",
    ],
)
def test_a_malformed_address_never_reaches_the_provider(mail_log, address):
    reservation = _reservation()
    notification = _invite(reservation)
    Notification.objects.filter(pk=notification.pk).update(recipient=address)

    assert notification_send(notification_id=notification.pk, now=NOW).outcome == Outcome.FAILED

    notification.refresh_from_db()
    assert notification.last_error == "The email address is not valid."
    assert mail.outbox == []
    assert mail_log() == []


SES_MESSAGE_ID = "010601937d4b1c2e-3f9a8b7c-6d5e-4f3a-9b2c-1d0e9f8a7b6c-000000"


@pytest.fixture
def ses(settings, monkeypatch):
    """anymail's real Amazon SES backend; only boto3's sesv2 client is stubbed (botocore Stubber).

    Yields the Stubber to queue SES's answers on, and the list of what anymail asked boto3 for.
    """
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    settings.MAILERS = {"default": {"BACKEND": "anymail.backends.amazon_ses.EmailBackend"}}
    settings.ANYMAIL = {
        **settings.ANYMAIL,
        "AMAZON_SES_CLIENT_PARAMS": {"region_name": "ap-northeast-1"},
    }
    client = boto3.session.Session().client("sesv2", region_name="ap-northeast-1")
    requested = []

    def stubbed_client(session, service_name, **kwargs):
        requested.append((service_name, kwargs.get("region_name")))
        return client

    monkeypatch.setattr(boto3.session.Session, "client", stubbed_client)
    with Stubber(client) as stubber:
        yield stubber, client, requested
        stubber.assert_no_pending_responses()


def test_an_invitation_goes_out_through_amazon_ses(ses):
    stubber, client, requested = ses
    notification = _invite(_reservation(email="hanako@example.jp"))
    raw = []
    client.meta.events.register(
        "before-parameter-build.sesv2.SendEmail",
        lambda params, **kwargs: raw.append(params["Content"]["Raw"]["Data"]),
    )
    stubber.add_response(
        "send_email",
        {"MessageId": SES_MESSAGE_ID},
        expected_params={
            "Destination": {"ToAddresses": ["hanako@example.jp"]},
            "Content": {"Raw": {"Data": ANY}},
        },
    )

    result = notification_send(notification_id=notification.pk, now=NOW)

    assert result.outcome == Outcome.SENT
    assert requested == [("sesv2", "ap-northeast-1")]
    (mime,) = raw
    assert b"To: hanako@example.jp" in mime
    assert f"Message-ID: <notification-{notification.pk}-".encode() in mime
    assert b"invitation.ics" in mime
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT
    assert notification.provider_message_id == SES_MESSAGE_ID
    assert notification.sent_at is not None


@pytest.mark.parametrize(
    ("code", "http_status"),
    [("InternalFailure", 500), ("TooManyRequestsException", 429), ("Throttling", 400)],
)
def test_a_busy_or_failing_amazon_ses_is_retried(ses, code, http_status):
    stubber, _client, _requested = ses
    notification = _invite(_reservation(email="hanako@example.jp"))
    stubber.add_client_error("send_email", service_error_code=code, http_status_code=http_status)
    stubber.add_response("send_email", {"MessageId": SES_MESSAGE_ID})

    first = notification_send(notification_id=notification.pk, now=NOW)

    assert first.outcome == Outcome.RETRY
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.QUEUED
    assert notification.next_attempt_at is not None
    assert code in notification.last_error
    assert notification_send(notification_id=notification.pk, now=NOW).outcome == Outcome.SENT
    notification.refresh_from_db()
    assert notification.provider_message_id == SES_MESSAGE_ID


def test_a_message_amazon_ses_rejects_fails_at_once_without_blaming_the_address(ses):
    stubber, _client, _requested = ses
    reservation = _reservation(email="hanako@example.jp")
    notification = _invite(reservation)
    stubber.add_client_error(
        "send_email",
        service_error_code="MessageRejected",
        service_message="Email address is not verified.",
        http_status_code=400,
    )

    result = notification_send(notification_id=notification.pk, now=NOW)

    assert result.outcome == Outcome.FAILED
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.FAILED
    assert notification.attempts == 1
    assert "MessageRejected" in notification.last_error
    assert notification.failed_at is not None
    # A rejected message (unverified sender, sandbox, content) says nothing about the address.
    reservation.jobseeker.refresh_from_db()
    assert reservation.jobseeker.email_problem == ""
