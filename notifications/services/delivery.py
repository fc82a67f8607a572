"""Sending one outbox row: claim it, render it, hand it to the email provider, record the result."""

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from ..models import Notification, NotificationStatus

logger = logging.getLogger(__name__)

# A row left in "sending" longer than this is assumed lost with its worker.
SENDING_LEASE = dt.timedelta(minutes=5)


def notification_claim(*, notification_id: int, now: dt.datetime) -> bool:
    """Move a queued row (or one whose sending lease expired) to sending; True if we got it."""
    claimed = Notification.objects.filter(
        pk=notification_id, status=NotificationStatus.QUEUED
    ).update(status=NotificationStatus.SENDING, sending_started_at=now, updated_at=now)
    if claimed == 1:
        return True
    return (
        Notification.objects.filter(
            pk=notification_id,
            status=NotificationStatus.SENDING,
            sending_started_at__lt=now - SENDING_LEASE,
        ).update(sending_started_at=now, updated_at=now)
        == 1
    )


def _render(notification: Notification) -> EmailMultiAlternatives:
    context = {
        "notification": notification,
        "reservation": notification.reservation,
        "jobseeker": notification.jobseeker,
        "site_url": settings.SITE_URL,
    }
    with translation.override(notification.language):
        base = f"emails/{notification.kind}"
        subject = " ".join(render_to_string(f"{base}-subject.txt", context).split())
        text = render_to_string(f"{base}-body.txt", context)
        html = render_to_string(f"{base}-body.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[notification.recipient])
    message.attach_alternative(html, "text/html")
    return message


def notification_send(*, notification_id: int, now: dt.datetime | None = None) -> bool:
    """Send one notification if it is still due; safe to call twice. True when it was sent now."""
    now = now or timezone.now()
    if not notification_claim(notification_id=notification_id, now=now):
        return False
    notification = Notification.objects.select_related(
        "reservation__office", "reservation__slot__counselor", "jobseeker"
    ).get(pk=notification_id)
    with transaction.atomic():
        Notification.objects.filter(pk=notification_id).update(attempts=notification.attempts + 1)
    message = _render(notification)
    message.send()
    message_id = getattr(getattr(message, "anymail_status", None), "message_id", None) or ""
    Notification.objects.filter(pk=notification_id, status=NotificationStatus.SENDING).update(
        status=NotificationStatus.SENT,
        sent_at=timezone.now(),
        provider_message_id=str(message_id),
        last_error="",
    )
    logger.info("notification sent id=%s kind=%s", notification_id, notification.kind)
    return True
