"""Signal receivers: anymail's tracking webhook hands each normalised event to the service."""

from anymail.signals import tracking
from django.dispatch import receiver

from .services.tracking import tracking_event_record


@receiver(tracking, dispatch_uid="notifications.tracking")
def on_tracking_event(sender, event, esp_name, **kwargs) -> None:
    tracking_event_record(
        esp_name=esp_name,
        event_type=event.event_type,
        message_id=event.message_id,
        event_id=event.event_id,
        recipient=event.recipient,
        metadata=event.metadata,
        description=event.description,
        occurred_at=event.timestamp,
    )
