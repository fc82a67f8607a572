"""Helpers shared by tests."""

import re
import time

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


# --- The jobseeker's journey ---

NO_DETAILS = {
    "interpreter": False,
    "interpreter_language": "",
    "assistant_attends": False,
    "note": "",
}


def journey_session_data(
    jobseeker_id: int,
    *,
    signed_in_at: float | None = None,
    checklist: bool = True,
    slot: int | None = None,
    details: dict | None = None,
) -> dict:
    """The session of a signed-in journey, as the sign-in link leaves it (the keys come from
    `portal.views.journey_sign_in_state`, which the sign-in view itself stores), with the
    steps before the given ones done: the checklist, a chosen slot (its pk), the details.

    Every test, benchmark and fault scenario that needs a signed-in jobseeker builds the
    session with this (through `journey_session` or `sign_in_client` for one, or by encoding
    this for many), so that a key the journey comes to require is added in one place.
    `signed_in_at` defaults to now on the process's clock (the test's fixed clock).
    """
    from bookings.checklist import CHECKLIST_KEYS
    from portal.views import (
        SESSION_CHECKLIST,
        SESSION_DETAILS,
        SESSION_SLOT,
        journey_sign_in_state,
    )

    data = journey_sign_in_state(
        jobseeker_id, at=int(time.time()) if signed_in_at is None else signed_in_at
    )
    if checklist:
        data[SESSION_CHECKLIST] = dict.fromkeys(CHECKLIST_KEYS, True)
    if slot is not None:
        data[SESSION_SLOT] = slot
    if details is not None:
        data[SESSION_DETAILS] = details
    return data


def sign_in_client(client: Client, jobseeker, *, slot=None, **options) -> Client:
    """Put a jobseeker's journey in the test client's session, as the sign-in link would
    (`journey_session_data`'s options; `slot` is a Slot)."""
    session = client.session
    session.update(
        journey_session_data(jobseeker.pk, slot=slot.pk if slot is not None else None, **options)
    )
    session.save()
    return client


def journey_session(jobseeker, **options) -> str:
    """The key of a new signed-in journey session (`sign_in_client`'s options), for a browser
    or a server process to send as its cookie."""
    return sign_in_client(Client(), jobseeker, **options).session.session_key


# --- Sign-in emails ---


def sign_in_token(**send_kwargs) -> str:
    """Send the queued emails (as the worker does) and return the token of the last sign-in
    link among them: sign-in emails go through the outbox like every other email."""
    from django.core import mail

    send_queued(**send_kwargs)
    for message in reversed(mail.outbox):
        found = re.search(r"/signin/([^/\s]+)/", message.body)
        if found:
            return found.group(1)
    raise AssertionError("no sign-in link was sent")
