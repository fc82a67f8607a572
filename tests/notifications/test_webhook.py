"""The provider's tracking webhook: shared secret, bounces and complaints, duplicates."""

import base64
import json

import pytest

from jobseekers.models import EmailProblem
from notifications.models import DeliveryEvent, Notification, NotificationStatus, TrackingEvent
from notifications.services.outbox import invitation_queue
from tests.factories import ReservationFactory, tokyo

pytestmark = pytest.mark.django_db

URL = "/anymail/postmark/tracking/"


def _auth(secret="hook:test-webhook-secret"):  # noqa: S107 - the test settings' value
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(secret.encode()).decode()}


@pytest.fixture
def sent():
    reservation = ReservationFactory()
    notification = invitation_queue(reservation=reservation, now=tokyo(2026, 11, 20, 9))
    Notification.objects.filter(pk=notification.pk).update(
        status=NotificationStatus.SENT,
        sent_at=tokyo(2026, 11, 20, 9),
        provider_message_id="883953f4-6105-42a2-a16a-77a8eac79483",
    )
    notification.refresh_from_db()
    return notification


def _bounce(notification, event_id=42, record_type="Bounce"):
    payload = {
        "RecordType": record_type,
        "ID": event_id,
        "Type": "HardBounce",
        "TypeCode": 1,
        "MessageID": notification.provider_message_id,
        "Email": notification.recipient,
        "BouncedAt": "2026-11-20T00:05:00Z",
        "Description": "The server was unable to deliver your message",
        "Details": "smtp;550 5.1.1 user unknown",
        "Metadata": {"notification_id": str(notification.pk)},
    }
    if record_type == "SpamComplaint":
        payload["Type"] = "SpamComplaint"
        payload["TypeCode"] = 512
    return json.dumps(payload)


def test_a_bounce_is_recorded_and_flags_the_address(client, sent):
    response = client.post(URL, _bounce(sent), content_type="application/json", **_auth())
    assert response.status_code == 200
    sent.refresh_from_db()
    assert sent.delivery_event == DeliveryEvent.BOUNCED
    sent.jobseeker.refresh_from_db()
    assert sent.jobseeker.email_problem == EmailProblem.BOUNCED


def test_a_complaint_is_recorded(client, sent):
    body = _bounce(sent, record_type="SpamComplaint")
    assert client.post(URL, body, content_type="application/json", **_auth()).status_code == 200
    sent.refresh_from_db()
    assert sent.delivery_event == DeliveryEvent.COMPLAINED
    sent.jobseeker.refresh_from_db()
    assert sent.jobseeker.email_problem == EmailProblem.COMPLAINED


def test_a_duplicate_event_is_ignored(client, sent):
    for _ in range(2):
        client.post(URL, _bounce(sent), content_type="application/json", **_auth())
    assert TrackingEvent.objects.count() == 1


def test_a_wrong_secret_is_refused_and_changes_nothing(client, sent):
    response = client.post(
        URL, _bounce(sent), content_type="application/json", **_auth("hook:wrong")
    )
    assert response.status_code in (400, 403)
    assert TrackingEvent.objects.count() == 0
    response = client.post(URL, _bounce(sent), content_type="application/json")
    assert response.status_code in (400, 403)
    sent.refresh_from_db()
    assert sent.delivery_event == ""
