"""The beat sweeps: re-sending what the queue lost, and the day-before reminder."""

import datetime as dt

import pytest

from bookings.models import ReservationStatus
from notifications.models import Notification, NotificationKind, NotificationStatus
from notifications.services import sweep as sweep_module
from notifications.services.outbox import invitation_queue
from notifications.services.sweep import notification_sweep, reminder_sweep
from tests.factories import OfficeFactory, ReservationFactory, SlotFactory, tokyo

pytestmark = pytest.mark.django_db

NOW = tokyo(2026, 11, 20, 9, 0)


@pytest.fixture
def enqueued(monkeypatch):
    calls: list[int] = []
    monkeypatch.setattr(sweep_module, "enqueue_on_commit", lambda ids: calls.extend(ids))
    return calls


def _queued(queued_at):
    reservation = ReservationFactory(slot=SlotFactory(starts_at=tokyo(2026, 12, 1, 10)))
    return invitation_queue(reservation=reservation, now=queued_at)


def test_a_queued_row_is_re_enqueued_after_the_grace_only(enqueued, settings):
    settings.NOTIFICATION_SEND_GRACE = 60
    fresh = _queued(NOW - dt.timedelta(seconds=30))
    lost = _queued(NOW - dt.timedelta(seconds=90))
    assert notification_sweep(now=NOW) == 1
    assert enqueued == [lost.pk]
    assert fresh.pk not in enqueued


def test_the_next_sweep_leaves_a_re_enqueued_row_alone_for_a_grace(enqueued, settings):
    settings.NOTIFICATION_SEND_GRACE = 60
    lost = _queued(NOW - dt.timedelta(minutes=5))
    notification_sweep(now=NOW)
    notification_sweep(now=NOW + dt.timedelta(seconds=30))
    assert enqueued == [lost.pk]
    notification_sweep(now=NOW + dt.timedelta(seconds=61))
    assert enqueued == [lost.pk, lost.pk]


def test_a_row_waiting_for_its_retry_is_left_to_the_retry(enqueued, settings):
    settings.NOTIFICATION_SEND_GRACE = 60
    row = _queued(NOW - dt.timedelta(hours=1))
    Notification.objects.filter(pk=row.pk).update(next_attempt_at=NOW + dt.timedelta(minutes=5))
    assert notification_sweep(now=NOW) == 0


def test_a_row_stuck_in_sending_past_the_lease_is_queued_again(enqueued, settings):
    settings.NOTIFICATION_SENDING_LEASE = 300
    stuck = _queued(NOW - dt.timedelta(minutes=10))
    busy = _queued(NOW - dt.timedelta(minutes=10))
    Notification.objects.filter(pk=stuck.pk).update(
        status=NotificationStatus.SENDING, sending_started_at=NOW - dt.timedelta(minutes=6)
    )
    Notification.objects.filter(pk=busy.pk).update(
        status=NotificationStatus.SENDING, sending_started_at=NOW - dt.timedelta(minutes=1)
    )
    notification_sweep(now=NOW)
    stuck.refresh_from_db()
    busy.refresh_from_db()
    assert stuck.status == NotificationStatus.QUEUED
    assert busy.status == NotificationStatus.SENDING
    assert enqueued == [stuck.pk]


def _tomorrow_at_ten(office=None, created=None, **kwargs):
    slot = SlotFactory(
        starts_at=tokyo(2026, 11, 21, 10), **({"counselor__office": office} if office else {})
    )
    reservation = ReservationFactory(slot=slot, **kwargs)
    reservation.created_at = created or tokyo(2026, 11, 10, 12)
    reservation.save(update_fields=["created_at"])
    return reservation


def _reminders():
    return list(
        Notification.objects.filter(kind=NotificationKind.REMINDER).values_list(
            "reservation_id", flat=True
        )
    )


def test_the_reminder_goes_at_the_office_hour_the_day_before_once(
    django_capture_on_commit_callbacks,
):
    reservation = _tomorrow_at_ten()
    assert reminder_sweep(now=tokyo(2026, 11, 20, 16, 59, 59)) == 0
    assert reminder_sweep(now=tokyo(2026, 11, 20, 17, 0)) == 1
    assert reminder_sweep(now=tokyo(2026, 11, 20, 17, 1)) == 0
    assert _reminders() == [reservation.pk]


def test_the_office_chooses_the_reminder_hour():
    reservation = _tomorrow_at_ten(office=OfficeFactory(reminder_hour=9))
    assert reminder_sweep(now=tokyo(2026, 11, 20, 9, 0)) == 1
    assert _reminders() == [reservation.pk]


def test_no_reminder_for_a_cancelled_reservation_or_one_booked_after_the_hour():
    _tomorrow_at_ten(status=ReservationStatus.CANCELLED, cancelled_at=NOW)
    _tomorrow_at_ten(created=tokyo(2026, 11, 20, 18, 0))
    assert reminder_sweep(now=tokyo(2026, 11, 20, 19, 0)) == 0


def test_no_reminder_for_a_reservation_two_days_ahead():
    slot = SlotFactory(starts_at=tokyo(2026, 11, 22, 10))
    ReservationFactory(slot=slot)
    assert reminder_sweep(now=tokyo(2026, 11, 20, 17, 0)) == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_reminder_sweeps_at_once_queue_one_reminder():
    import threading

    from django.db import close_old_connections

    reservations = [_tomorrow_at_ten() for _ in range(5)]
    barrier = threading.Barrier(2)
    counts: list[int] = []

    def sweep():
        barrier.wait()
        try:
            counts.append(reminder_sweep(now=tokyo(2026, 11, 20, 17, 0)))
        finally:
            close_old_connections()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(counts) == 5
    assert sorted(_reminders()) == sorted(r.pk for r in reservations)
