"""The free times the pages offer: one per office and start, however many counselors are free."""

import datetime as dt

import pytest

from bookings.models import ReservationStatus, SlotStatus
from bookings.selectors import calendar_month, free_times_of_day
from tests.factories import (
    BureauFactory,
    CounselorFactory,
    JobseekerFactory,
    OfficeFactory,
    ReservationFactory,
    SlotFactory,
    tokyo,
)

pytestmark = pytest.mark.django_db

NOW = tokyo(2026, 12, 1, 10, 0)
DAY = dt.date(2026, 12, 3)


def at(hour, minute=0):
    return tokyo(2026, 12, 3, hour, minute)


@pytest.fixture
def office():
    return OfficeFactory(code="b-office")


def test_several_free_counselors_at_one_time_are_one_time_and_held_slots_are_not_offered(office):
    first, second, third = (CounselorFactory(office=office) for _ in range(3))
    ten = [SlotFactory(counselor=c, starts_at=at(10)) for c in (third, first, second)]
    taken = SlotFactory(counselor=first, starts_at=at(10, 30))
    ReservationFactory(slot=taken, jobseeker=JobseekerFactory(office=office))
    free_half_past = SlotFactory(counselor=second, starts_at=at(10, 30))
    SlotFactory(counselor=first, starts_at=at(11), status=SlotStatus.BLOCKED)
    cancelled = SlotFactory(counselor=third, starts_at=at(11, 30))
    ReservationFactory(
        slot=cancelled,
        jobseeker=JobseekerFactory(office=office),
        status=ReservationStatus.CANCELLED,
        cancelled_at=NOW,
    )
    jobseeker = JobseekerFactory(office=office)

    times = free_times_of_day(jobseeker=jobseeker, day=DAY, now=NOW)

    assert [(s.starts_at, s.pk) for s in times] == [
        (at(10), min(s.pk for s in ten)),  # the lowest id stands for the others
        (at(10, 30), free_half_past.pk),
        (at(11, 30), cancelled.pk),
    ]


def test_with_the_other_offices_of_the_bureau_each_office_offers_its_time_in_code_order(office):
    office.other_offices_slots_visible = True
    office.save()
    other = OfficeFactory(bureau=office.bureau, code="a-office")
    for place in (office, other):
        for _ in range(2):
            SlotFactory(counselor=CounselorFactory(office=place), starts_at=at(14))
    elsewhere = OfficeFactory(
        code="c-elsewhere", bureau=BureauFactory(code="hiroshima")
    )  # another bureau: never offered
    SlotFactory(counselor=CounselorFactory(office=elsewhere), starts_at=at(14))

    times = free_times_of_day(jobseeker=JobseekerFactory(office=office), day=DAY, now=NOW)

    assert [(s.starts_at, s.office.code) for s in times] == [
        (at(14), "a-office"),
        (at(14), "b-office"),
    ]


def test_a_day_is_one_query_however_many_counselors_are_free(office, django_assert_num_queries):
    for _ in range(12):
        counselor = CounselorFactory(office=office)
        for n in range(6):
            SlotFactory(counselor=counselor, starts_at=at(10) + dt.timedelta(minutes=30 * n))
    jobseeker = JobseekerFactory(office=office)
    jobseeker = type(jobseeker).objects.select_related("office").get(pk=jobseeker.pk)

    with django_assert_num_queries(1):
        times = free_times_of_day(jobseeker=jobseeker, day=DAY, now=NOW)
        assert len(times) == 6
        assert all(s.office.code == "b-office" for s in times)


def test_the_month_counts_times_not_slots(office):
    for _ in range(3):
        SlotFactory(counselor=CounselorFactory(office=office), starts_at=at(10))
    month = calendar_month(jobseeker=JobseekerFactory(office=office), month=DAY, now=NOW)
    day = next(d for week in month.weeks for d in week if d.date == DAY)
    assert day.free == 1


# The day's free times come from the cache until something of the office changes.


def _day(jobseeker, now=NOW):
    return [s.starts_at for s in free_times_of_day(jobseeker=jobseeker, day=DAY, now=now)]


@pytest.fixture
def staffed(office):
    counselor = CounselorFactory(office=office)
    slots = [
        SlotFactory(counselor=counselor, starts_at=at(10) + dt.timedelta(minutes=30 * n))
        for n in range(3)
    ]
    jobseeker = JobseekerFactory(office=office)
    jobseeker = type(jobseeker).objects.select_related("office").get(pk=jobseeker.pk)
    return jobseeker, slots


def test_a_second_view_of_the_day_reads_no_slots(staffed, django_assert_num_queries):
    jobseeker, _slots = staffed
    with django_assert_num_queries(1):
        first = _day(jobseeker)
    with django_assert_num_queries(0):
        assert _day(jobseeker) == first == [at(10), at(10, 30), at(11)]


def test_a_booking_a_cancellation_and_a_blocked_slot_show_on_the_next_view(staffed):
    from bookings.services.reservations import reservation_cancel
    from bookings.services.slots import slot_block

    jobseeker, slots = staffed
    assert _day(jobseeker) == [at(10), at(10, 30), at(11)]
    booked = ReservationFactory(slot=slots[0], jobseeker=JobseekerFactory(office=jobseeker.office))
    assert _day(jobseeker) == [at(10, 30), at(11)]
    slot_block(slot=slots[2], reason="研修")
    assert _day(jobseeker) == [at(10, 30)]
    reservation_cancel(reservation=booked, channel="phone", now=NOW)
    assert _day(jobseeker) == [at(10), at(10, 30)]
    slots[1].delete()
    assert _day(jobseeker) == [at(10)]


def test_generated_slots_show_on_the_next_view(staffed):
    from bookings.models import WeeklyAvailability
    from bookings.services.slots import slots_generate

    jobseeker, slots = staffed
    assert _day(jobseeker) == [at(10), at(10, 30), at(11)]
    counselor = slots[0].counselor
    WeeklyAvailability.objects.create(
        counselor=counselor,
        weekday=DAY.weekday(),
        start_time=dt.time(14, 0),
        end_time=dt.time(15, 0),
        valid_from=DAY,
    )
    assert slots_generate(counselor=counselor, start_date=DAY, end_date=DAY, now=NOW) == 2
    assert _day(jobseeker) == [at(10), at(10, 30), at(11), at(14), at(14, 30)]


def test_the_rules_of_the_moment_apply_to_a_cached_day(staffed, django_assert_num_queries):
    jobseeker, _slots = staffed
    assert _day(jobseeker) == [at(10), at(10, 30), at(11)]
    # The cut-off (Art 6(1)) is the day before: from midnight on 3 December nothing is offered.
    with django_assert_num_queries(0):
        assert _day(jobseeker, now=tokyo(2026, 12, 2, 23, 59)) == [at(10), at(10, 30), at(11)]
        assert _day(jobseeker, now=tokyo(2026, 12, 3, 0, 0)) == []


def test_without_the_cache_the_database_answers(staffed, monkeypatch):
    from django.core.cache import cache

    jobseeker, _slots = staffed

    def unreachable(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "get_many", unreachable)
    monkeypatch.setattr(cache, "set_many", unreachable)
    assert _day(jobseeker) == [at(10), at(10, 30), at(11)]


def test_the_version_is_replaced_again_after_the_commit(office, django_capture_on_commit_callbacks):
    """A page view that read the database before the commit must not keep its answer."""
    from django.core.cache import cache

    from bookings.availability import availability_changed

    key = f"availability:version:{office.pk}"
    with django_capture_on_commit_callbacks(execute=True):
        availability_changed(office.pk)
        during = cache.get(key)
        assert during is not None
    assert cache.get(key) not in (None, during)
