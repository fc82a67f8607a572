"""Database guarantees, on real PostgreSQL."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from bookings.models import ReservationStatus, Slot
from tests.factories import CounselorFactory, ReservationFactory, SlotFactory

# The outcome depends on the date the suite runs at: `make test-dates` runs it at each date.
pytestmark = [pytest.mark.postgres, pytest.mark.django_db, pytest.mark.dates]


def test_two_active_reservations_for_one_slot_are_refused_by_the_database():
    slot = SlotFactory()
    ReservationFactory(slot=slot)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReservationFactory(slot=slot)


def test_a_cancelled_reservation_does_not_block_a_new_one():
    slot = SlotFactory()
    ReservationFactory(slot=slot, status=ReservationStatus.CANCELLED, cancelled_at=timezone.now())
    ReservationFactory(slot=slot)
    assert slot.reservations.count() == 2


def test_overlapping_slots_for_one_counselor_are_refused():
    counselor = CounselorFactory()
    start = timezone.now() + dt.timedelta(days=3)
    SlotFactory(counselor=counselor, starts_at=start)
    with pytest.raises(IntegrityError), transaction.atomic():
        SlotFactory(counselor=counselor, starts_at=start + dt.timedelta(minutes=15))


def test_adjacent_slots_and_other_counselors_are_fine():
    counselor = CounselorFactory()
    start = timezone.now() + dt.timedelta(days=3)
    SlotFactory(counselor=counselor, starts_at=start)
    SlotFactory(counselor=counselor, starts_at=start + dt.timedelta(minutes=30))
    SlotFactory(starts_at=start + dt.timedelta(minutes=15))
    assert Slot.objects.count() == 3


@pytest.mark.parametrize("minutes", [29, 31])
def test_a_slot_that_is_not_30_minutes_is_refused(minutes):
    start = timezone.now() + dt.timedelta(days=3)
    with pytest.raises(IntegrityError), transaction.atomic():
        SlotFactory(starts_at=start, ends_at=start + dt.timedelta(minutes=minutes))


def test_a_jobseeker_number_not_in_normal_form_is_refused():
    from tests.factories import JobseekerFactory

    with pytest.raises(IntegrityError), transaction.atomic():
        JobseekerFactory(number="3301012345678")


def test_one_invitation_per_reservation_version():
    from notifications.models import Notification, NotificationKind

    reservation = ReservationFactory()
    kwargs = dict(
        kind=NotificationKind.INVITATION,
        reservation=reservation,
        sequence=0,
        recipient="a@example.jp",
        queued_at=timezone.now(),
    )
    Notification.objects.create(idempotency_key="a", **kwargs)
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(idempotency_key="b", **kwargs)
