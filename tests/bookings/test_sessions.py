import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection
from django.test import override_settings
from django.utils import timezone, translation

from bookings.errors import (
    InvalidTransition,
    JobseekerSuspended,
    NotInSession,
    ReasonRequired,
    SessionDayPassed,
    SessionTooEarly,
)
from bookings.models import ReservationStatus
from bookings.services.reservations import (
    follow_up_allowed,
    jobseeker_gate,
    reservation_follow_up,
)
from bookings.services.sessions import (
    noshow_sweep,
    session_end,
    session_end_early,
    session_start,
    session_start_opens_at,
)
from jobseekers.models import AuditAction, AuditEntry
from notifications.models import Notification, NotificationKind
from tests.factories import (
    JobseekerFactory,
    OfficeFactory,
    ReservationFactory,
    SlotFactory,
    UserFactory,
    tokyo,
)
from tests.helpers import sends_enqueued

START = tokyo(2026, 12, 1, 10, 0)


def _reservation(**kwargs):
    slot = SlotFactory(starts_at=kwargs.pop("starts_at", START))
    jobseeker = kwargs.pop("jobseeker", None) or JobseekerFactory(office=slot.office)
    return ReservationFactory(slot=slot, jobseeker=jobseeker, **kwargs)


@pytest.mark.django_db
def test_nothing_happens_9_minutes_59_seconds_after_the_start():
    reservation = _reservation()
    with time_machine.travel(START + dt.timedelta(minutes=9, seconds=59), tick=False):
        assert noshow_sweep(now=timezone.now()) == 0
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.CONFIRMED
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_it_is_a_no_show_10_minutes_after_the_start(django_capture_on_commit_callbacks):
    reservation = _reservation()
    moment = START + dt.timedelta(minutes=10)
    with time_machine.travel(moment, tick=False):
        with django_capture_on_commit_callbacks() as callbacks:
            assert noshow_sweep(now=timezone.now()) == 1
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.NO_SHOW
    assert reservation.no_show_at == moment
    notice = Notification.objects.get()
    assert notice.kind == NotificationKind.NO_SHOW
    assert notice.idempotency_key == f"no_show:{reservation.pk}"
    assert len(sends_enqueued(callbacks)) == 1
    entry = AuditEntry.objects.get(action=AuditAction.NO_SHOW)
    assert entry.target == f"reservation:{reservation.pk}"
    assert entry.jobseeker_id == reservation.jobseeker_id


@pytest.mark.django_db
def test_a_second_sweep_finds_nothing_more():
    _reservation()
    now = START + dt.timedelta(minutes=11)
    assert noshow_sweep(now=now) == 1
    assert noshow_sweep(now=now + dt.timedelta(minutes=1)) == 0
    assert Notification.objects.count() == 1


@pytest.mark.django_db
def test_a_late_notice_prevents_the_no_show():
    reservation = _reservation(late_notice_at=START - dt.timedelta(minutes=5))
    with time_machine.travel(START + dt.timedelta(minutes=30), tick=False):
        assert noshow_sweep(now=timezone.now()) == 0
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.CONFIRMED


@pytest.mark.django_db
def test_a_started_session_prevents_the_no_show():
    reservation = _reservation()
    counselor = UserFactory()
    session_start(reservation=reservation, actor=counselor, now=START + dt.timedelta(minutes=2))
    with time_machine.travel(START + dt.timedelta(minutes=10), tick=False):
        assert noshow_sweep(now=timezone.now()) == 0
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.IN_SESSION


@pytest.mark.django_db
def test_a_cancelled_reservation_never_becomes_a_no_show():
    reservation = _reservation(
        status=ReservationStatus.CANCELLED, cancelled_at=START - dt.timedelta(days=2)
    )
    assert noshow_sweep(now=START + dt.timedelta(hours=1)) == 0
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.CANCELLED


@pytest.mark.django_db
def test_start_then_end_records_the_outcome():
    reservation = _reservation()
    actor = UserFactory()
    session_start(reservation=reservation, actor=actor, now=START)
    done = session_end(
        reservation=reservation,
        actor=actor,
        outcome="  求人3件を紹介  ",
        now=START + dt.timedelta(minutes=28),
    )
    assert done.status == ReservationStatus.COMPLETED
    assert done.outcome == "求人3件を紹介"
    assert done.started_at == START
    assert done.ended_at == START + dt.timedelta(minutes=28)
    assert set(AuditEntry.objects.values_list("action", flat=True)) == {
        AuditAction.SESSION_START,
        AuditAction.SESSION_END,
    }


@pytest.mark.django_db
def test_ending_early_needs_a_reason_and_records_it():
    reservation = _reservation(status=ReservationStatus.IN_SESSION, started_at=START)
    actor = UserFactory()
    with pytest.raises(ReasonRequired):
        session_end_early(reservation=reservation, actor=actor, reason="  ", now=START)
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.IN_SESSION
    ended = session_end_early(reservation=reservation, actor=actor, reason="暴言のため（13条1項）")
    assert ended.status == ReservationStatus.ENDED_EARLY
    assert ended.end_reason == "暴言のため（13条1項）"
    assert "暴言" not in AuditEntry.objects.get().detail


@pytest.mark.django_db
@pytest.mark.parametrize(
    "status",
    [
        ReservationStatus.IN_SESSION,
        ReservationStatus.COMPLETED,
        ReservationStatus.NO_SHOW,
        ReservationStatus.ENDED_EARLY,
    ],
)
def test_a_session_cannot_start_unless_confirmed(status):
    reservation = _reservation(status=status)
    with pytest.raises(InvalidTransition):
        session_start(reservation=reservation, actor=UserFactory(), now=START)
    reservation.refresh_from_db()
    assert reservation.status == status


@pytest.mark.django_db
@pytest.mark.parametrize(
    "status", [ReservationStatus.CONFIRMED, ReservationStatus.COMPLETED, ReservationStatus.NO_SHOW]
)
def test_a_session_cannot_end_unless_in_session(status):
    reservation = _reservation(status=status)
    with pytest.raises(InvalidTransition):
        session_end(reservation=reservation, actor=UserFactory(), now=START)
    with pytest.raises(InvalidTransition):
        session_end_early(reservation=reservation, actor=UserFactory(), reason="x", now=START)
    reservation.refresh_from_db()
    assert reservation.status == status


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sweeps_count_each_no_show_once():
    office = OfficeFactory()
    due = [
        _reservation(
            starts_at=START + dt.timedelta(minutes=30 * i),
            jobseeker=JobseekerFactory(office=office),
        )
        for i in range(6)
    ]
    now = START + dt.timedelta(hours=4)
    barrier = threading.Barrier(2)
    results: list[int] = []
    errors: list[BaseException] = []

    def sweep():
        try:
            barrier.wait()
            results.append(noshow_sweep(now=now))
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(results) == len(due)
    assert Notification.objects.filter(kind=NotificationKind.NO_SHOW).count() == len(due)
    assert AuditEntry.objects.filter(action=AuditAction.NO_SHOW).count() == len(due)
    for reservation in due:
        assert Notification.objects.filter(reservation=reservation).count() == 1


@pytest.mark.django_db
def test_a_suspended_jobseeker_is_turned_away_with_the_offices_number():
    office = OfficeFactory(phone="086-222-2905")
    jobseeker = JobseekerFactory(
        office=office, suspended=True, suspension_reason="無断欠席2回", suspended_at=timezone.now()
    )
    with pytest.raises(JobseekerSuspended) as caught:
        jobseeker_gate(jobseeker=jobseeker, now=timezone.now())
    assert "086-222-2905" in str(caught.value.message)


@pytest.mark.django_db
def test_a_reservation_swept_again_gets_no_second_notice():
    reservation = _reservation()
    assert noshow_sweep(now=START + dt.timedelta(minutes=10)) == 1
    # Staff put it back by hand in the admin; the next sweep must not fail nor mail twice.
    reservation.refresh_from_db()
    reservation.status = ReservationStatus.CONFIRMED
    reservation.save()
    assert noshow_sweep(now=START + dt.timedelta(minutes=11)) == 1
    assert Notification.objects.filter(reservation=reservation).count() == 1


# --- When a session can be started (issue 15: a counselor started one days early) ---


@pytest.mark.django_db
@pytest.mark.parametrize(
    "moment",
    [
        START - dt.timedelta(days=3),  # days early
        tokyo(2026, 11, 30, 23, 59, 59),  # the evening before
        tokyo(2026, 12, 1, 0, 0),  # its own day, hours early
        START - dt.timedelta(minutes=15, seconds=1),  # one second before the window
    ],
)
def test_a_session_cannot_start_before_the_lead_time_on_its_own_day(moment):
    reservation = _reservation()
    with pytest.raises(SessionTooEarly) as caught:
        session_start(reservation=reservation, actor=UserFactory(), now=moment)
    with translation.override("ja"):
        assert "2026年12月1日（火）09:45から" in str(caught.value.message)
    with translation.override("en"):
        assert "from Tue 1 Dec 2026, 09:45 (15 minutes" in str(caught.value.message)
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.CONFIRMED
    assert reservation.started_at is None
    assert not AuditEntry.objects.filter(action=AuditAction.SESSION_START).exists()
    # Not started, so the 10-minute rule still applies to it (Art 6(5)).
    assert noshow_sweep(now=START + dt.timedelta(minutes=10)) == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "moment",
    [
        START - dt.timedelta(minutes=15),  # the window opens
        START,
        START + dt.timedelta(minutes=9),
        START + dt.timedelta(hours=5),  # late, after a late notice: still its day
        tokyo(2026, 12, 1, 23, 59, 59),
    ],
)
def test_a_session_starts_from_the_lead_time_until_the_end_of_its_day(moment):
    reservation = _reservation(late_notice_at=START - dt.timedelta(minutes=5))
    started = session_start(reservation=reservation, actor=UserFactory(), now=moment)
    assert started.status == ReservationStatus.IN_SESSION
    assert started.started_at == moment


@pytest.mark.django_db
@pytest.mark.parametrize(
    "moment", [tokyo(2026, 12, 2, 0, 0), tokyo(2026, 12, 2, 10, 0), START + dt.timedelta(days=7)]
)
def test_a_session_cannot_start_after_its_day(moment):
    reservation = _reservation(late_notice_at=START - dt.timedelta(minutes=5))
    with pytest.raises(SessionDayPassed) as caught:
        session_start(reservation=reservation, actor=UserFactory(), now=moment)
    with translation.override("ja"):
        assert "当日" in str(caught.value.message)
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.CONFIRMED


@pytest.mark.django_db
def test_the_lead_time_is_a_setting_and_never_reaches_the_day_before():
    reservation = _reservation()
    with override_settings(SESSION_START_LEAD_MINUTES=0):
        assert session_start_opens_at(reservation=reservation) == START
        with pytest.raises(SessionTooEarly):
            session_start(reservation=reservation, actor=None, now=START - dt.timedelta(seconds=1))
    early = _reservation(starts_at=tokyo(2026, 12, 1, 0, 30))
    with override_settings(SESSION_START_LEAD_MINUTES=60):
        assert session_start_opens_at(reservation=reservation) == START - dt.timedelta(hours=1)
        # Never on the day before, whatever the lead time.
        assert session_start_opens_at(reservation=early) == tokyo(2026, 12, 1, 0, 0)
        with pytest.raises(SessionTooEarly):
            session_start(reservation=early, actor=None, now=tokyo(2026, 11, 30, 23, 45))


@pytest.mark.django_db
def test_a_session_left_open_past_its_day_opens_no_follow_up_but_can_be_ended():
    reservation = _reservation()
    session_start(reservation=reservation, actor=None, now=START)
    next_day = START + dt.timedelta(days=1)
    reservation.refresh_from_db()
    assert follow_up_allowed(reservation=reservation, now=START + dt.timedelta(hours=6))
    assert not follow_up_allowed(reservation=reservation, now=next_day)
    slot = SlotFactory(counselor=reservation.slot.counselor, starts_at=START + dt.timedelta(days=8))
    with pytest.raises(NotInSession):
        reservation_follow_up(previous=reservation, slot=slot, actor=None, now=next_day)
    # Ending it later is recording what happened: allowed, so no session stays open forever.
    ended = session_end(reservation=reservation, actor=None, now=next_day)
    assert ended.status == ReservationStatus.COMPLETED
