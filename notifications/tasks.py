"""Celery tasks of notifications: they take ids and call services."""

from celery import shared_task

from .services.delivery import notification_send


@shared_task(name="notifications.send", acks_late=True, reject_on_worker_lost=True)
def send_notification(notification_id: int) -> bool:
    return notification_send(notification_id=notification_id)
