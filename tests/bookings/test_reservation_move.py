"""Changing a reservation's time (issue 19): one row moves, under the booking service's locks."""

import threading

import pytest
from django.core import mail
from django.db import connection
from icalendar import Calendar

from bookings.errors import (
    ChangeCutoffPassed,
    ChangeNotAllowed,
    CutoffPassed,
    JobseekerSuspended,
    SameTime,
    SlotTaken,
)
from bookings.events import reservation_moved
from bookings.models import Reservation, ReservationStatus
from bookings.services.moves import reservation_move
from bookings.services.reservations import reservation_create
from core.calendar import tokyo_date
from jobseekers.models import AuditAction, AuditEntry
from notifications.ics import reservation_uid
from notifications.models import Notification, NotificationKind
from tests.factories import ConsentFactory, JobseekerFactory, ReservationFactory, tokyo
from tests.helpers import send_queued

from .conftest import FULL_CHECKLIST, NOW, World

pytestmark = pytest.mark.dates


def _allow_online(world):
    world.office.online_cancellation_allowed = True
    world.office.max_upcoming_web_bookings = 1
    world.office.save()


@pytest.fixture
def moving(world):
    """The world with online changes allowed, a booking on Thursday 10:00 and a free Friday."""
    _allow_online(world)
    world.reservation = reservation_create(
        slot=world.slot, jobseeker=world.jobseeker, environment_checklist=FULL_CHECKLIST, now=NOW
    )
    world.friday = world.slot_at(tokyo(2026, 12, 4, 11, 0))
    return world


def _ics(message) -> Calendar:
    (_name, body, _type) = message.attachments[0]
    return Calendar.from_ical(body)


def test_the_old_time_is_freed_and_the_new_one_booked(moving):
    reservation = reservation_move(
        reservation=moving.reservation, slot=moving.friday, jobseeker=moving.jobseeker, now=NOW
    )
    assert Reservation.objects.count() == 1
    reservation.refresh_from_db()
    assert reservation.slot_id == moving.friday.pk
    assert reservation.starts_at == tokyo(2026, 12, 4, 11, 0)
    assert reservation.rescheduled_from == tokyo(2026, 12, 3, 10, 0)
    assert reservation.status == ReservationStatus.CONFIRMED
    assert reservation.sequence == 1
    assert not Reservation.objects.active().filter(slot=moving.slot).exists()
    # The old time can be booked by someone else at once.
    other = JobseekerFactory(
        office=moving.office, number=f"{moving.office.registration_code}-55550011"
    )
    ConsentFactory(jobseeker=other, terms_version=moving.terms)
    taken = reservation_create(
        slot=moving.slot, jobseeker=other, environment_checklist=FULL_CHECKLIST, now=NOW
    )
    assert taken.slot_id == moving.slot.pk
    entry = AuditEntry.objects.get(action=AuditAction.RESERVATION_MOVE)
    assert entry.detail == f"slot {moving.slot.pk} -> {moving.friday.pk}"


def test_one_updated_invitation_with_the_same_uid_and_a_higher_sequence(moving):
    send_queued(now=NOW)
    first = mail.outbox[-1]
    reservation_move(
        reservation=moving.reservation, slot=moving.friday, jobseeker=moving.jobseeker, now=NOW
    )
    mail.outbox.clear()
    assert send_queued(now=NOW) == 1
    (message,) = mail.outbox
    old_event = next(c for c in _ics(first).walk("VEVENT"))
    new_event = next(c for c in _ics(message).walk("VEVENT"))
    assert str(new_event["UID"]) == str(old_event["UID"]) == reservation_uid(moving.reservation)
    assert int(new_event["SEQUENCE"]) == int(old_event["SEQUENCE"]) + 1
    assert str(_ics(message)["METHOD"]) == "REQUEST"
    assert new_event.decoded("DTSTART") == tokyo(2026, 12, 4, 11, 0)
    assert message.subject.startswith("【日時変更】")
    assert "2026年12月4日（金）11:00〜11:30" in message.body
    assert "変更前：2026年12月3日（木）10:00〜10:30" in message.body
    invitations = Notification.objects.filter(kind=NotificationKind.INVITATION)
    assert sorted(invitations.values_list("sequence", flat=True)) == [0, 1]


def test_the_event_carries_the_reservation_and_both_slots(moving):
    seen = []

    def listener(sender, **kwargs):
        seen.append(kwargs)

    reservation_moved.connect(listener)
    try:
        reservation_move(
            reservation=moving.reservation, slot=moving.friday, jobseeker=moving.jobseeker, now=NOW
        )
    finally:
        reservation_moved.disconnect(listener)
    assert seen == [
        {
            "signal": reservation_moved,
            "reservation": moving.reservation,
            "reservation_id": moving.reservation.pk,
            "old_slot_id": moving.slot.pk,
            "new_slot_id": moving.friday.pk,
            "now": NOW,
        }
    ]


def test_the_limit_counts_the_pair_as_one(moving):
    # At the limit of one upcoming booking, moving it is allowed (a new booking is not).
    reservation = reservation_move(
        reservation=moving.reservation, slot=moving.friday, jobseeker=moving.jobseeker, now=NOW
    )
    assert reservation.slot_id == moving.friday.pk


def test_it_refuses_where_the_office_does_not_allow_online_changes(moving):
    moving.office.online_cancellation_allowed = False
    moving.office.save()
    with pytest.raises(ChangeNotAllowed):
        reservation_move(
            reservation=moving.reservation, slot=moving.friday, jobseeker=moving.jobseeker, now=NOW
        )


def test_the_cut_off_of_the_current_time_refuses_with_its_message(moving):
    # Wednesday 2 December at midnight JST: Thursday's reservation is past its cut-off.
    late = tokyo(2026, 12, 3, 0, 0)
    with pytest.raises(ChangeCutoffPassed) as refused:
        reservation_move(
            reservation=moving.reservation,
            slot=moving.friday,
            jobseeker=moving.jobseeker,
            now=late,
        )
    assert "前日まで" in str(refused.value.message)
    moving.reservation.refresh_from_db()
    assert moving.reservation.slot_id == moving.slot.pk and moving.reservation.sequence == 0


def test_the_cut_off_of_the_new_time_applies_too(moving):
    wednesday = moving.slot_at(tokyo(2026, 12, 2, 15, 0))  # tomorrow's cut-off was midnight
    with pytest.raises(CutoffPassed):
        reservation_move(
            reservation=moving.reservation,
            slot=wednesday,
            jobseeker=moving.jobseeker,
            now=tokyo(2026, 12, 2, 9, 0),
        )


def test_a_taken_time_is_refused_and_nothing_changes(moving):
    ReservationFactory(slot=moving.friday)
    with pytest.raises(SlotTaken):
        reservation_move(
            reservation=moving.reservation, slot=moving.friday, jobseeker=moving.jobseeker, now=NOW
        )
    moving.reservation.refresh_from_db()
    assert moving.reservation.slot_id == moving.slot.pk


def test_the_same_time_is_refused_and_a_change_sent_twice_is_kept(moving):
    with pytest.raises(SameTime):
        reservation_move(
            reservation=moving.reservation, slot=moving.slot, jobseeker=moving.jobseeker, now=NOW
        )
    reservation_move(
        reservation=moving.reservation, slot=moving.friday, jobseeker=moving.jobseeker, now=NOW
    )
    again = reservation_move(
        reservation=moving.reservation, slot=moving.friday, jobseeker=moving.jobseeker, now=NOW
    )
    assert again.sequence == 1


def test_another_jobseekers_reservation_cannot_be_moved(moving):
    other = JobseekerFactory(
        office=moving.office, number=f"{moving.office.registration_code}-55550012"
    )
    with pytest.raises(ChangeNotAllowed):
        reservation_move(
            reservation=moving.reservation, slot=moving.friday, jobseeker=other, now=NOW
        )


def test_a_suspended_jobseeker_cannot_move(moving):
    moving.jobseeker.suspended = True
    moving.jobseeker.suspension_reason = "Art 13(1)"
    moving.jobseeker.save()
    with pytest.raises(JobseekerSuspended):
        reservation_move(
            reservation=moving.reservation, slot=moving.friday, jobseeker=moving.jobseeker, now=NOW
        )


def test_a_cancelled_reservation_cannot_be_moved(moving):
    from bookings.errors import AlreadyCancelled
    from bookings.services.reservations import reservation_cancel

    reservation_cancel(reservation=moving.reservation, now=NOW)
    with pytest.raises(AlreadyCancelled):
        reservation_move(
            reservation=moving.reservation, slot=moving.friday, jobseeker=moving.jobseeker, now=NOW
        )


# Races on real PostgreSQL: the new slot's row lock and the unique index decide.


def _race(*calls):
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait(timeout=30)
            results[i] = call()
        except BaseException as exc:  # noqa: BLE001 - compared below
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.clock(NOW)
@pytest.mark.parametrize("rounds", range(3))
def test_two_changes_to_one_time_leave_exactly_one_there(rounds):
    world = World()
    _allow_online(world)
    world.office.max_upcoming_web_bookings = 2
    world.office.save()
    other = JobseekerFactory(
        office=world.office, number=f"{world.office.registration_code}-55550013"
    )
    ConsentFactory(jobseeker=other, terms_version=world.terms)
    mine = reservation_create(
        slot=world.slot, jobseeker=world.jobseeker, environment_checklist=FULL_CHECKLIST, now=NOW
    )
    theirs = reservation_create(
        slot=world.slot_at(tokyo(2026, 12, 3, 11, 0)),
        jobseeker=other,
        environment_checklist=FULL_CHECKLIST,
        now=NOW,
    )
    target = world.slot_at(tokyo(2026, 12, 4, 9, 0))
    results = _race(
        lambda: reservation_move(reservation=mine.pk, slot=target.pk, jobseeker=world.jobseeker),
        lambda: reservation_move(reservation=theirs.pk, slot=target.pk, jobseeker=other),
    )
    moved = [r for r in results if isinstance(r, Reservation)]
    refused = [r for r in results if isinstance(r, SlotTaken)]
    assert len(moved) == 1 and len(refused) == 1, results
    assert Reservation.objects.active().filter(slot=target).count() == 1
    # The loser kept its own time: never neither.
    assert Reservation.objects.filter(status=ReservationStatus.CONFIRMED).count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.clock(NOW)
@pytest.mark.parametrize("rounds", range(3))
def test_a_change_and_a_booking_of_one_time_make_exactly_one(rounds):
    world = World()
    _allow_online(world)
    other = JobseekerFactory(
        office=world.office, number=f"{world.office.registration_code}-55550014"
    )
    ConsentFactory(jobseeker=other, terms_version=world.terms)
    mine = reservation_create(
        slot=world.slot, jobseeker=world.jobseeker, environment_checklist=FULL_CHECKLIST, now=NOW
    )
    target = world.slot_at(tokyo(2026, 12, 4, 9, 0))
    results = _race(
        lambda: reservation_move(reservation=mine.pk, slot=target.pk, jobseeker=world.jobseeker),
        lambda: reservation_create(
            slot=target.pk, jobseeker=other.pk, environment_checklist=FULL_CHECKLIST
        ),
    )
    winners = [r for r in results if isinstance(r, Reservation)]
    assert len(winners) == 1, results
    assert [type(r) for r in results if not isinstance(r, Reservation)] == [SlotTaken]
    assert Reservation.objects.active().filter(slot=target).count() == 1
    mine.refresh_from_db()
    # Never both, never neither: the changed reservation holds exactly one of the two times.
    assert mine.status == ReservationStatus.CONFIRMED
    assert mine.slot_id in (world.slot.pk, target.pk)
    assert Reservation.objects.active().filter(jobseeker=world.jobseeker).count() == 1


def test_a_moved_reservation_is_reminded_of_its_new_time(moving):
    from notifications.services.sweep import reminder_sweep

    reminders = Notification.objects.filter(kind=NotificationKind.REMINDER)
    assert reminder_sweep(now=tokyo(2026, 12, 2, 17, 30)) == 1  # Thursday's, the day before
    reservation_move(
        reservation=moving.reservation,
        slot=moving.friday,
        jobseeker=moving.jobseeker,
        now=tokyo(2026, 12, 2, 18, 0),
    )
    assert reminder_sweep(now=tokyo(2026, 12, 2, 18, 30)) == 0  # Friday's is not due yet
    assert reminder_sweep(now=tokyo(2026, 12, 3, 17, 30)) == 1
    assert reminder_sweep(now=tokyo(2026, 12, 3, 17, 45)) == 0  # once
    assert sorted(reminders.values_list("sequence", flat=True)) == [0, 1]


def test_the_freed_time_is_offered_to_who_waits_for_its_day(moving):
    from bookings.models import WaitlistScope
    from bookings.services.waitlist import waitlist_request_create

    waiting = JobseekerFactory(
        office=moving.office, number=f"{moving.office.registration_code}-55550015"
    )
    ConsentFactory(jobseeker=waiting, terms_version=moving.terms)
    # Thursday's one time is booked: the day is full, and this jobseeker asks to be told.
    waitlist_request_create(
        jobseeker=waiting, day=tokyo_date(moving.slot.starts_at), scope=WaitlistScope.DAY, now=NOW
    )
    reservation_move(
        reservation=moving.reservation, slot=moving.friday, jobseeker=moving.jobseeker, now=NOW
    )
    offers = Notification.objects.filter(kind=NotificationKind.WAITLIST_OFFER)
    assert list(offers.values_list("jobseeker_id", flat=True)) == [waiting.pk]
