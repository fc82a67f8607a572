"""The beat sweeps: the outbox (re-send what the queue lost) and the reminders.

The queue is only the fast path. Every minute the outbox sweep takes the rows still queued a
grace after they were due, and the rows left in "sending" past the lease (their worker died),
and puts them on the queue again. Both ages are measured on the database's clock, the one the
claims are written with, whatever the clock of the host the sweep runs on. Each row is taken by
one sweep only (SELECT … FOR UPDATE SKIP LOCKED, then its due time moves on), and the send
task's own claim makes a second copy of a message harmless: two sweeps at once send nothing
twice.
"""

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_noop

from bookings.models import Reservation, ReservationStatus
from core.calendar import TOKYO, tokyo_date, tokyo_day_bounds
from core.sql import db_now, db_time
from core.sweeps import each_row

from ..models import Notification, NotificationStatus
from ..queue import enqueue_on_commit
from .delivery import sending_lease
from .outbox import reminder_queue

logger = logging.getLogger(__name__)

SWEEP_BATCH = 1000
LEASE_EXPIRED = gettext_noop("The worker sending it did not finish within the lease.")


def _grace() -> dt.timedelta:
    return dt.timedelta(seconds=settings.NOTIFICATION_SEND_GRACE)


def _requeue_stale_sending(now: dt.datetime | None) -> list[int]:
    at = db_time(now)
    with transaction.atomic():
        ids = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(status=NotificationStatus.SENDING, sending_started_at__lt=at - sending_lease())
            .order_by("sending_started_at")
            .values_list("pk", flat=True)[:SWEEP_BATCH]
        )
        if ids:
            Notification.objects.filter(pk__in=ids, status=NotificationStatus.SENDING).update(
                status=NotificationStatus.QUEUED,
                next_attempt_at=at,
                last_error=LEASE_EXPIRED,
                updated_at=at,
            )
            enqueue_on_commit(ids)
    return ids


def _requeue_overdue(now: dt.datetime | None) -> list[int]:
    at = db_time(now)
    with transaction.atomic():
        ids = list(
            Notification.objects.select_for_update(skip_locked=True)
            .annotate(due_at=Coalesce("next_attempt_at", "queued_at"))
            .filter(status=NotificationStatus.QUEUED, due_at__lte=at - _grace())
            .order_by("due_at")
            .values_list("pk", flat=True)[:SWEEP_BATCH]
        )
        if ids:
            # The next sweep leaves them alone for another grace: the task now on the queue has
            # that long to claim them.
            Notification.objects.filter(pk__in=ids, status=NotificationStatus.QUEUED).update(
                next_attempt_at=at, updated_at=at
            )
            enqueue_on_commit(ids)
    return ids


def notification_sweep(*, now: dt.datetime | None = None) -> int:
    """Re-enqueue what the queue lost or a dead worker left behind; returns how many.

    Stale and overdue are judged on the database's clock (`now()` in the statements), the
    clock the claims were written with: a sweep on a host whose clock runs ahead must not take
    a live send for a dead one. `now` is for tests.
    """
    stale = _requeue_stale_sending(now)
    overdue = _requeue_overdue(now)
    if stale or overdue:
        logger.info("outbox sweep re-queued stale=%d overdue=%d", len(stale), len(overdue))
    return len(stale) + len(overdue)


def reminder_time(reservation: Reservation) -> dt.datetime:
    """The day before the consultation at the office's reminder hour (default 17:00 JST)."""
    day_before = tokyo_date(reservation.starts_at) - dt.timedelta(days=1)
    return dt.datetime.combine(day_before, dt.time(reservation.office.reminder_hour), tzinfo=TOKYO)


def reminder_sweep(*, now: dt.datetime | None = None) -> int:
    """Queue the day-before reminder of every confirmed reservation whose hour has come.

    Only reservations booked before their reminder time get one (a booking made after it has
    just received its invitation), and only until the start. One per reservation even when two
    sweeps run: the idempotency key `reminder:<pk>` is unique in the table. "Has come" is read
    on the database's clock, once per sweep (`now` is for tests).
    """
    now = now or db_now()
    # Reminder hours run 0–23 on the day before: nothing starting after the end of tomorrow is due.
    _today, horizon = tokyo_day_bounds(tokyo_date(now), tokyo_date(now) + dt.timedelta(days=1))
    candidates = Reservation.objects.filter(
        status=ReservationStatus.CONFIRMED, starts_at__gt=now, starts_at__lt=horizon
    ).exclude(meeting_url="")
    # A reminder of the time before a change does not count (`reservation_move`).
    already = Notification.objects.filter(
        reservation__in=candidates,
        idempotency_key__startswith="reminder:",
        sequence=OuterRef("sequence"),
    )

    def remind(reservation: Reservation) -> bool:
        due = reminder_time(reservation)
        # Booked or moved after the reminder time: the invitation has just gone out.
        if now < due or (reservation.rescheduled_at or reservation.created_at) >= due:
            return False
        with transaction.atomic():
            _notification, created = reminder_queue(reservation=reservation, now=now)
        return created

    # One reservation that cannot be read or reminded is logged and skipped; the others are not.
    queued = sum(
        each_row(
            candidates.select_related("office", "jobseeker").exclude(Exists(already)),
            remind,
            job="reminder sweep",
        )
    )
    if queued:
        logger.info("reminder sweep queued %d", queued)
    return queued
