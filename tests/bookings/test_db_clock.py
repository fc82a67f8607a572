"""Deadlines that compare times written by different hosts run on the database's clock.

Issue 16 item 8: one worker's clock 400 s ahead marked no-shows 5 minutes early, stored a
future `no_show_at`, and took every live send for a dead one. Here the process's clock is moved
(time-machine) while PostgreSQL's `now()` is not, and nothing may follow the process's clock.

PostgreSQL follows the suite's clock (tests/clock.py), never a travel inside a test, so every
time here is placed relative to `db_now()`, never to the process's clock; a time the database
wrote is checked to lie between two readings of its clock taken before and after. The exact edges
(9:59 vs 10:00) are tested with `now=` in test_sessions.py.
"""

import datetime as dt

import pytest
import time_machine

from bookings.models import ReservationStatus
from bookings.services.sessions import noshow_sweep
from core.sql import db_now
from jobseekers.models import SignInToken, UsageRecord
from jobseekers.signin import LinkExpired, sign_in_request_first_visit, sign_in_token_state
from jobseekers.usage import usage_records_purge
from notifications.models import Notification, NotificationStatus
from notifications.services.delivery import Outcome, notification_claim, notification_send
from notifications.services.outbox import invitation_queue
from notifications.services.sweep import notification_sweep, reminder_sweep
from tests.factories import JobseekerFactory, OfficeFactory, ReservationFactory, SlotFactory
from tests.helpers import sign_in_token

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

AHEAD = dt.timedelta(seconds=400)


def _reservation(starts_at, **kwargs):
    slot = SlotFactory(starts_at=starts_at, **kwargs)
    return ReservationFactory(slot=slot, jobseeker=JobseekerFactory(office=slot.office))


def test_db_now_is_the_database_s_clock_not_the_process_s():
    database = db_now()
    with time_machine.travel(database + dt.timedelta(days=3), tick=False):
        assert database <= db_now() < database + dt.timedelta(minutes=1)
    assert database.utcoffset() == dt.timedelta(0)


def test_a_sweep_on_a_host_400_s_ahead_marks_no_one_before_10_minutes_of_database_time():
    now = db_now()
    # 30 s either side of the rule: the database's clock moves on while the test runs.
    minutes = [5, 9, 9.5, 10.5, 15]
    reservations = {
        m: _reservation(now - dt.timedelta(minutes=m), counselor__office=OfficeFactory())
        for m in minutes
    }
    with time_machine.travel(now + AHEAD, tick=False):
        assert noshow_sweep() == 2
    after = db_now()
    for m, reservation in reservations.items():
        reservation.refresh_from_db()
        expected = ReservationStatus.NO_SHOW if m >= 10 else ReservationStatus.CONFIRMED
        assert reservation.status == expected, m
        if m >= 10:
            # Recorded on the database's clock: never a time in the future.
            assert now <= reservation.no_show_at <= after


def test_a_sweep_on_a_host_400_s_ahead_leaves_a_live_send_alone(settings):
    settings.NOTIFICATION_SENDING_LEASE = 300
    now = db_now()
    live = invitation_queue(reservation=_reservation(now + dt.timedelta(days=2)))
    assert notification_claim(notification_id=live.pk)  # claimed now, on the database's clock
    dead = invitation_queue(reservation=_reservation(now + dt.timedelta(days=3)))
    Notification.objects.filter(pk=dead.pk).update(
        status=NotificationStatus.SENDING,
        sending_started_at=now - dt.timedelta(seconds=301),
    )
    with time_machine.travel(now + AHEAD, tick=False):
        assert notification_sweep() == 1
    after = db_now()
    live.refresh_from_db(), dead.refresh_from_db()
    assert live.status == NotificationStatus.SENDING
    assert now <= live.sending_started_at <= after
    assert dead.status == NotificationStatus.QUEUED
    assert now <= dead.next_attempt_at <= after


def test_a_sweep_on_a_host_400_s_ahead_does_not_resend_a_row_just_queued(settings):
    settings.NOTIFICATION_SEND_GRACE = 60
    now = db_now()
    fresh = invitation_queue(reservation=_reservation(now + dt.timedelta(days=2)), now=now)
    with time_machine.travel(now + AHEAD, tick=False):
        assert notification_sweep() == 0
    fresh.refresh_from_db()
    assert fresh.next_attempt_at is None


def test_a_retry_is_due_on_the_database_s_clock(settings, monkeypatch, tmp_path):
    settings.MAILERS = {"default": {"BACKEND": "tests.notifications.mail_backend.EmailBackend"}}
    monkeypatch.setenv("HW_MAIL_LOG", str(tmp_path / "mail.jsonl"))
    monkeypatch.setenv("HW_MAIL_FAILURES", "1")
    now = db_now()
    jobseeker = JobseekerFactory(email="flaky@example.jp")
    reservation = ReservationFactory(
        jobseeker=jobseeker,
        slot=SlotFactory(starts_at=now + dt.timedelta(days=2), counselor__office=jobseeker.office),
    )
    notification = invitation_queue(reservation=reservation, now=now)
    with time_machine.travel(now + AHEAD, tick=False):
        result = notification_send(notification_id=notification.pk)
    assert result.outcome == Outcome.RETRY
    after = db_now()
    notification.refresh_from_db()
    assert now <= notification.sending_started_at <= after
    retry_in = dt.timedelta(seconds=result.retry_in)
    assert now + retry_in <= notification.next_attempt_at <= after + retry_in


def test_the_reminder_hour_comes_on_the_database_s_clock():
    now = db_now()
    office = OfficeFactory(reminder_hour=now.astimezone(dt.timezone(dt.timedelta(hours=9))).hour)
    hour = now.replace(minute=0, second=0, microsecond=0)
    # The consultation is tomorrow at this hour: its reminder is due at the top of this hour.
    with time_machine.travel(hour - AHEAD, tick=False):  # a host 400 s behind
        _reservation(hour + dt.timedelta(days=1), counselor__office=office)
        assert reminder_sweep(now=hour - AHEAD) == 0  # what that host's clock would have said
        assert reminder_sweep() == 1
    assert Notification.objects.filter(idempotency_key__startswith="reminder:").count() == 1


def test_a_sign_in_link_expires_after_30_minutes_of_database_time():
    office = OfficeFactory()
    now = db_now()
    with time_machine.travel(now - AHEAD, tick=False):  # written by a host 400 s behind
        sign_in_request_first_visit(
            number=f"{office.registration_code}-00000001",
            family_name="山田",
            given_name="花子",
            family_name_kana="ヤマダ",
            given_name_kana="ハナコ",
            email="new@example.jp",
        )
    token = sign_in_token()  # sent by the worker, whose clock is not what counts
    row = SignInToken.objects.get()
    lifetime = dt.timedelta(minutes=30)
    assert now + lifetime <= row.expires_at <= db_now() + lifetime
    with time_machine.travel(now + dt.timedelta(minutes=45), tick=False):  # read 45 min ahead
        assert sign_in_token_state(token=token) == row
    SignInToken.objects.update(expires_at=now)
    with time_machine.travel(now - dt.timedelta(minutes=10), tick=False):  # read 10 min behind
        with pytest.raises(LinkExpired):
            sign_in_token_state(token=token)


def test_the_retention_purge_counts_days_on_the_database_s_clock(settings):
    settings.USAGE_RECORD_RETENTION_DAYS = 30
    now = db_now()
    old = UsageRecord.objects.create(
        at=now - dt.timedelta(days=30, seconds=1), path="/", status=200
    )
    kept = UsageRecord.objects.create(
        at=now - dt.timedelta(days=30) + AHEAD / 2, path="/", status=200
    )
    with time_machine.travel(now + AHEAD, tick=False):
        assert usage_records_purge() == 1
    assert not UsageRecord.objects.filter(pk=old.pk).exists()
    assert UsageRecord.objects.filter(pk=kept.pk).exists()
