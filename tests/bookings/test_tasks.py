import datetime as dt

import pytest
from django.conf import settings
from django.core import mail

from bookings.models import ReservationStatus
from bookings.tasks import noshow_sweep_task
from core.sql import db_now
from notifications.models import Notification, NotificationStatus
from notifications.services.delivery import notification_send
from tests.factories import OfficeFactory, ReservationFactory, SlotFactory


def test_beat_runs_the_noshow_sweep_every_minute():
    entry = settings.CELERY_BEAT_SCHEDULE["noshow-sweep"]
    assert entry["task"] == noshow_sweep_task.name == "bookings.noshow_sweep"
    # Art 6(5) within 70 s of the deadline: a sweep at least every minute.
    assert entry["schedule"] <= 60


@pytest.mark.django_db
def test_the_task_sweeps_and_the_no_show_email_names_the_office_phone():
    office = OfficeFactory(phone="086-222-2905", name="ハローワーク岡山")
    # The task reads the database's clock (not the suite's fixed one): the slot is placed on it.
    start = db_now() - dt.timedelta(minutes=10, seconds=30)
    reservation = ReservationFactory(slot=SlotFactory(starts_at=start, counselor__office=office))
    assert noshow_sweep_task() == 1
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.NO_SHOW
    notice = Notification.objects.get(reservation=reservation)
    assert notification_send(notification_id=notice.pk)
    notice.refresh_from_db()
    assert notice.status == NotificationStatus.SENT
    (message,) = mail.outbox
    assert message.to == [reservation.jobseeker.email]
    assert "086-222-2905" in message.body
    assert "キャンセル" in message.subject
    assert "10分" in message.body
    assert "086-222-2905" in message.alternatives[0].content
