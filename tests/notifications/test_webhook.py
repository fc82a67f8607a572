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


# Only the configured provider is mounted; a payload it cannot read is a 400 (issue 15 §3.5).

NOT_JSON = [b"", b"{bad", b"\xff\xfe\x00", b"[1, 2"]
MALFORMED_BODIES = [
    *NOT_JSON,
    b"[]",
    b"{}",
    b"null",
    b'"text"',
    b"123",
    b'{"RecordType": 5, "ID": [], "MessageID": {}}',
    b'[{"event": null}]',
    b'{"signature": "x", "event-data": 5}',
]
OTHER_PROVIDERS = ["amazon_ses", "brevo", "mailgun", "sendgrid"]


def test_only_the_configured_provider_s_webhook_is_mounted(client):
    for provider in OTHER_PROVIDERS:
        response = client.post(
            f"/anymail/{provider}/tracking/", b"{bad", content_type="application/json", **_auth()
        )
        assert response.status_code == 404, provider


def test_a_malformed_payload_to_the_mounted_webhook_is_a_400_never_a_500(client):
    for body in NOT_JSON:
        response = client.post(URL, body, content_type="application/json", **_auth())
        assert response.status_code == 400, body
    for body in MALFORMED_BODIES:
        response = client.post(URL, body, content_type="application/json", **_auth())
        # An empty event ({}) is Postmark's "unknown" event: accepted and ignored.
        assert response.status_code in (200, 400), body
    assert TrackingEvent.objects.count() == 0


@pytest.fixture
def mounted(settings):
    """mounted(provider): the site's URLs rebuilt as production builds them for `provider`."""
    import importlib

    from django.urls import clear_url_caches

    import config.urls
    import notifications.urls

    def mount(provider: str, **anymail) -> None:
        settings.EMAIL_PROVIDER = provider
        settings.ANYMAIL = {"WEBHOOK_SECRET": "hook:test-webhook-secret", **anymail}
        importlib.reload(notifications.urls)
        importlib.reload(config.urls)
        clear_url_caches()

    yield mount
    settings.EMAIL_PROVIDER = "postmark"
    settings.ANYMAIL = {"WEBHOOK_SECRET": "hook:test-webhook-secret"}
    importlib.reload(notifications.urls)
    importlib.reload(config.urls)
    clear_url_caches()


PROVIDER_SETTINGS = {
    "amazon_ses": {},
    "brevo": {"BREVO_API_KEY": "k"},
    "mailgun": {"MAILGUN_API_KEY": "k", "MAILGUN_WEBHOOK_SIGNING_KEY": "signing-key"},
    "postmark": {"POSTMARK_SERVER_TOKEN": "k"},
    "sendgrid": {"SENDGRID_API_KEY": "k"},
}


# anymail warns at each use of SendGrid's view that it no longer supports SendGrid.
@pytest.mark.filterwarnings("ignore::anymail.exceptions.AnymailNotSupportedWarning")
@pytest.mark.parametrize("provider", sorted(PROVIDER_SETTINGS))
def test_each_provider_mounted_alone_answers_bad_input_without_a_500(client, mounted, provider):
    mounted(provider, **PROVIDER_SETTINGS[provider])
    for other in PROVIDER_SETTINGS:
        if other != provider:
            response = client.post(
                f"/anymail/{other}/tracking/", b"{}", content_type="application/json", **_auth()
            )
            assert response.status_code == 404, other
    url = f"/anymail/{provider}/tracking/"
    sns = {"HTTP_X_AMZ_SNS_MESSAGE_TYPE": "Notification", "HTTP_X_AMZ_SNS_MESSAGE_ID": "m-1"}
    for body in MALFORMED_BODIES:
        for headers in ({}, _auth(), {**_auth(), **sns}):
            response = client.post(url, body, content_type="application/json", **headers)
            assert response.status_code in (200, 400, 401, 403), (body, headers, response)
            if body in NOT_JSON and headers:
                assert response.status_code == 400, (body, headers)
    assert TrackingEvent.objects.count() == 0


def test_with_smtp_or_without_a_secret_nothing_is_mounted(client, mounted):
    mounted("smtp")
    assert client.post(URL, b"{}", content_type="application/json", **_auth()).status_code == 404
