"""A re-send after an uncertain hand-over: the same Message-ID, and the provider's idempotency key.

An attempt whose answer is lost (a read timeout after the provider accepted, a worker killed
before it recorded the answer) is retried. What the jobseeker then sees depends on the provider:
one that takes an idempotency key (Brevo) drops the retry; with the others the retry is a
second copy that carries the first one's Message-ID (docs/notifications.md).
"""

import json
import os
import uuid

import pytest
import requests

from notifications.emails import idempotency_key_for, message_id_for
from notifications.models import NotificationStatus
from notifications.services.delivery import Outcome, notification_send
from notifications.services.outbox import invitation_queue, notification_resend
from tests.factories import JobseekerFactory, ReservationFactory, SlotFactory, tokyo

pytestmark = pytest.mark.django_db

NOW = tokyo(2026, 11, 20, 9, 0)


def _invitation(email: str):
    jobseeker = JobseekerFactory(email=email)
    reservation = ReservationFactory(
        jobseeker=jobseeker,
        slot=SlotFactory(starts_at=tokyo(2026, 12, 1, 10, 0), counselor__office=jobseeker.office),
        meeting_url="https://zoom.example/j/42",
    )
    return invitation_queue(reservation=reservation, now=NOW)


def _send(notification):
    return notification_send(notification_id=notification.pk, now=NOW).outcome


@pytest.fixture
def brevo_key(settings):
    settings.EMAIL_IDEMPOTENCY_HEADER = "idempotencyKey"


def test_every_attempt_carries_the_same_message_id(mail_log, monkeypatch):
    monkeypatch.setenv("HW_MAIL_FAILURES", "2")
    notification = _invitation("flaky@example.jp")
    assert [_send(notification) for _ in range(3)] == [Outcome.RETRY, Outcome.RETRY, Outcome.SENT]
    lines = mail_log()
    assert [line["result"] for line in lines] == ["503", "503", "sent"]
    assert {line["message_id"] for line in lines} == {message_id_for(notification)}


def test_without_a_key_a_lost_answer_means_a_second_copy_with_the_same_message_id(mail_log):
    """The documented window: the provider accepted, the answer never came back."""
    notification = _invitation("unanswered@example.jp")
    assert _send(notification) == Outcome.RETRY
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.QUEUED
    assert _send(notification) == Outcome.SENT
    lines = mail_log()
    assert [line["result"] for line in lines] == ["sent", "sent"]
    assert lines[0]["message_id"] == lines[1]["message_id"] == message_id_for(notification)
    assert lines[0]["key"] == ""


def test_with_brevo_s_key_the_retry_of_an_accepted_email_is_not_delivered_again(
    mail_log, brevo_key
):
    notification = _invitation("unanswered@example.jp")
    assert _send(notification) == Outcome.RETRY
    assert _send(notification) == Outcome.SENT
    lines = mail_log()
    assert [line["result"] for line in lines] == ["sent", "duplicate"]
    key = lines[0]["key"]
    assert key == lines[1]["key"] == idempotency_key_for(notification)
    assert uuid.UUID(key).version == 5  # Brevo requires a UUID
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT
    assert notification.provider_message_id == message_id_for(notification)


def test_a_first_attempt_refused_as_a_duplicate_is_an_error_not_a_send(mail_log, brevo_key):
    """Only a retry can be a duplicate: the first attempt's refusal is taken at its word."""
    notification = _invitation("someone@example.jp")
    # The provider already holds this key (something else sent with it).
    with open(os.environ["HW_MAIL_LOG"], "a", encoding="utf-8") as handle:
        line = {"to": "x", "result": "sent", "key": idempotency_key_for(notification)}
        handle.write(json.dumps(line) + "\n")
    assert _send(notification) == Outcome.FAILED
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.FAILED
    assert "400" in notification.last_error or "Bad Request" in notification.last_error


def test_a_staff_re_send_gets_a_new_key_and_keeps_the_message_id(mail_log, brevo_key):
    notification = _invitation("someone@example.jp")
    assert _send(notification) == Outcome.SENT
    first_key = idempotency_key_for(notification)
    assert notification_resend(notification=notification, now=NOW)
    notification.refresh_from_db()
    assert notification.resends == 1
    assert idempotency_key_for(notification) != first_key
    assert _send(notification) == Outcome.SENT
    lines = mail_log()
    assert [line["result"] for line in lines] == ["sent", "sent"]
    assert lines[0]["message_id"] == lines[1]["message_id"]


def test_a_new_address_gets_a_new_key(mail_log, brevo_key):
    notification = _invitation("old@example.jp")
    before = idempotency_key_for(notification)
    notification.recipient = "new@example.jp"
    assert idempotency_key_for(notification) != before


class _BrevoApi:
    """Brevo's send endpoint as seen by anymail's real Brevo backend: it keeps the keys it was
    given for 30 minutes and refuses a repeat with 400 `duplicate_parameter` (Brevo's docs).
    The first call's answer can be lost (a read timeout after acceptance)."""

    def __init__(self, *, lose_first_answer: bool):
        self.lose_first_answer = lose_first_answer
        self.keys: list[str] = []
        self.bodies: list[dict] = []

    def request(self, session, method, url, **kwargs):
        body = json.loads(kwargs["data"])
        self.bodies.append(body)
        key = body["headers"]["idempotencyKey"]
        response = requests.Response()
        response.url = url
        if key in self.keys:
            response.status_code = 400
            response._content = b'{"code":"duplicate_parameter","message":"duplicate request"}'
            return response
        self.keys.append(key)
        if self.lose_first_answer and len(self.keys) == 1:
            raise requests.exceptions.ReadTimeout("read timed out")
        response.status_code = 201
        response._content = b'{"messageId":"<201@smtp-relay.mailin.fr>"}'
        return response


def test_through_anymail_s_brevo_backend_a_lost_answer_is_not_delivered_twice(
    settings, monkeypatch
):
    settings.MAILERS = {"default": {"BACKEND": "anymail.backends.brevo.EmailBackend"}}
    settings.ANYMAIL = {"BREVO_API_KEY": "test-key"}
    settings.EMAIL_IDEMPOTENCY_HEADER = "idempotencyKey"
    api = _BrevoApi(lose_first_answer=True)
    monkeypatch.setattr(
        requests.Session,
        "request",
        lambda session, method, url, **kw: api.request(session, method, url, **kw),
    )
    notification = _invitation("someone@example.jp")
    assert _send(notification) == Outcome.RETRY  # the answer was lost: anymail cannot tell
    assert _send(notification) == Outcome.SENT  # Brevo refused the repeat: it had it already
    assert len(api.bodies) == 2
    first, second = api.bodies
    assert first["headers"]["idempotencyKey"] == second["headers"]["idempotencyKey"]
    assert first["headers"]["Message-ID"] == message_id_for(notification)
    assert len(api.keys) == 1  # one email accepted, one delivered
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT
    assert notification.attempts == 2
