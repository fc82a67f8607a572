"""Delivery events from the provider's tracking webhook (bounces, complaints, deliveries).

A provider retries a webhook it thinks failed, so the same event can arrive twice: each is
stored once under its key (the provider's event id, or a digest of what identifies it) and a
copy changes nothing. A bounce, a complaint or a refusal is written on the notification and
flags the jobseeker's address for staff (Art 6(3): an invitation that did not arrive).
"""

import datetime as dt
import hashlib
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from jobseekers.models import EmailProblem, Jobseeker

from ..models import DeliveryEvent, Notification, TrackingEvent

logger = logging.getLogger(__name__)

# anymail's normalised event types that matter here.
EVENT_MAP = {
    "delivered": DeliveryEvent.DELIVERED,
    "deferred": DeliveryEvent.DEFERRED,
    "rejected": DeliveryEvent.REJECTED,
    "failed": DeliveryEvent.REJECTED,
    "bounced": DeliveryEvent.BOUNCED,
    "complained": DeliveryEvent.COMPLAINED,
}
PROBLEMS = {DeliveryEvent.REJECTED, DeliveryEvent.BOUNCED, DeliveryEvent.COMPLAINED}
JOBSEEKER_FLAG = {
    DeliveryEvent.REJECTED: EmailProblem.BOUNCED,
    DeliveryEvent.BOUNCED: EmailProblem.BOUNCED,
    DeliveryEvent.COMPLAINED: EmailProblem.COMPLAINED,
}


def _event_key(
    *, event_id: str | None, message_id: str, event_type: str, recipient: str, occurred_at
) -> str:
    if event_id:
        return str(event_id)[:200]
    raw = f"{message_id}|{event_type}|{recipient}|{occurred_at.isoformat() if occurred_at else ''}"
    return "sha256:" + hashlib.sha256(raw.encode()).hexdigest()


def _find_notification(*, message_id: str, metadata: dict) -> Notification | None:
    if message_id:
        found = Notification.objects.filter(provider_message_id=message_id).first()
        if found is not None:
            return found
    raw_id = (metadata or {}).get("notification_id")
    if raw_id is not None and str(raw_id).isdigit():
        return Notification.objects.filter(pk=int(raw_id)).first()
    return None


def tracking_event_record(
    *,
    esp_name: str,
    event_type: str,
    message_id: str | None,
    event_id: str | None = None,
    recipient: str | None = None,
    metadata: dict | None = None,
    description: str | None = None,
    occurred_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> TrackingEvent | None:
    """Store one event and apply it; None when it is a copy already seen or of no interest."""
    now = now or timezone.now()
    mapped = EVENT_MAP.get(event_type)
    if mapped is None:
        return None
    message_id = (message_id or "")[:200]
    key = _event_key(
        event_id=event_id,
        message_id=message_id,
        event_type=event_type,
        recipient=recipient or "",
        occurred_at=occurred_at,
    )
    notification = _find_notification(message_id=message_id, metadata=metadata or {})
    try:
        with transaction.atomic():
            event = TrackingEvent.objects.create(
                esp_name=esp_name[:40],
                event_key=key,
                event_type=mapped,
                message_id=message_id,
                notification=notification,
                description=(description or "")[:300],
                occurred_at=occurred_at,
                received_at=now,
            )
            if notification is not None:
                _apply(notification=notification, event=mapped, at=occurred_at or now)
    except IntegrityError:
        logger.info("duplicate delivery event ignored esp=%s type=%s", esp_name, mapped)
        return None
    logger.info(
        "delivery event esp=%s type=%s notification=%s",
        esp_name,
        mapped,
        notification.pk if notification else None,
    )
    return event


def _apply(*, notification: Notification, event: str, at: dt.datetime) -> None:
    rows = Notification.objects.filter(pk=notification.pk)
    if event not in PROBLEMS:
        # A late "delivered" never hides a bounce or a complaint already recorded.
        rows = rows.exclude(delivery_event__in=PROBLEMS)
    rows.update(delivery_event=event, delivery_event_at=at)
    flag = JOBSEEKER_FLAG.get(event)
    if flag and notification.jobseeker_id:
        # Only while the address is the one that bounced: staff may have corrected it since.
        Jobseeker.objects.filter(
            pk=notification.jobseeker_id, email__iexact=notification.recipient
        ).update(email_problem=flag, email_problem_at=at)
