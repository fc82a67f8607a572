"""Helpers shared by tests."""

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice


def staff_login(client: Client, user) -> Client:
    """Log a staff user into the admin as a real session would be (every admin test uses this).

    Both factors: the password step (force_login, which also stamps the session for the
    time-outs) and the TOTP step, recorded in the session exactly as django_otp.login() does
    after a verified code. The user gets a confirmed authenticator if it has none.
    tests/security/test_admin_login.py drives the real login form with a real code.
    """
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def sends_enqueued(callbacks) -> list[list[int]]:
    """The send tasks among on-commit callbacks (django_capture_on_commit_callbacks): one list
    of notification ids each; other callbacks (the availability cache's) are left out."""
    from functools import partial

    from notifications.queue import enqueue_many

    return [list(c.args[0]) for c in callbacks if isinstance(c, partial) and c.func is enqueue_many]


def send_queued(**kwargs) -> int:
    """Do what the Celery worker does with every queued outbox row (email to mail.outbox in
    tests); returns how many were handed over. `now=` as notification_send takes it."""
    from notifications.models import Notification, NotificationStatus
    from notifications.services.delivery import Outcome, notification_send

    sent = 0
    for pk in (
        Notification.objects.filter(status=NotificationStatus.QUEUED)
        .order_by("pk")
        .values_list("pk", flat=True)
    ):
        sent += notification_send(notification_id=pk, **kwargs).outcome == Outcome.SENT
    return sent
