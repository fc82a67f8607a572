"""reservation_create re-checks every rule at commit (Art 2, 6, 13), at the edges of time."""

import datetime as dt

import pytest
import time_machine

from bookings.errors import (
    BeyondHorizon,
    BookingError,
    ChecklistIncomplete,
    ConsentRequired,
    CutoffPassed,
    JobseekerSuspended,
    RegistrationExpired,
    RegistrationUnverified,
    SlotInPast,
    SlotNotOpen,
    SlotTaken,
    UpcomingLimitReached,
    WrongOffice,
)
from bookings.models import Reservation, ReservationSource, ReservationStatus, SlotStatus
from bookings.services.reservations import (
    booking_gate,
    reservation_access_token,
    reservation_create,
    slot_check,
)
from consent.errors import TermsNotPublished
from consent.models import Consent
from core.tokens import hash_token
from jobseekers.models import RegistrationStatus
from notifications.models import Notification, NotificationKind
from tests.factories import (
    BureauFactory,
    ConsentFactory,
    CounselorFactory,
    JobseekerFactory,
    OfficeFactory,
    ReservationFactory,
    TermsVersionFactory,
    tokyo,
)
from tests.helpers import sends_enqueued

from .conftest import FULL_CHECKLIST, NOW, SLOT_START


def book(world, slot=None, *, now, jobseeker=None, **kwargs):
    kwargs.setdefault("environment_checklist", dict(FULL_CHECKLIST))
    return reservation_create(
        slot=slot or world.slot, jobseeker=jobseeker or world.jobseeker, now=now, **kwargs
    )


# Art 6(1): booked by the end of the previous day (Asia/Tokyo).


def test_it_accepts_a_booking_at_23_59_59_jst_the_day_before(world):
    reservation = book(world, now=tokyo(2026, 12, 2, 23, 59, 59))
    assert reservation.status == ReservationStatus.CONFIRMED


def test_it_refuses_a_booking_at_00_00_00_jst_on_the_day(world):
    with pytest.raises(CutoffPassed):
        book(world, now=tokyo(2026, 12, 3, 0, 0, 0))
    assert not Reservation.objects.exists()


def test_friday_evening_is_in_time_for_monday(world):
    monday = world.slot_at(tokyo(2026, 12, 7, 9, 0))
    reservation = book(world, monday, now=tokyo(2026, 12, 4, 21, 30))
    assert reservation.starts_at == tokyo(2026, 12, 7, 9, 0)


def test_monday_itself_is_too_late_for_monday(world):
    monday = world.slot_at(tokyo(2026, 12, 7, 15, 0))
    with pytest.raises(CutoffPassed):
        book(world, monday, now=tokyo(2026, 12, 7, 0, 0, 0))


def test_the_day_after_a_national_holiday_can_be_booked_on_the_holiday(world):
    # 23 November 2026 (Monday) is 勤労感謝の日; the cut-off counts calendar days, not open days.
    tuesday = world.slot_at(tokyo(2026, 11, 24, 9, 0))
    assert book(world, tuesday, now=tokyo(2026, 11, 23, 23, 59, 59)).pk
    late = world.slot_at(tokyo(2026, 11, 24, 9, 30))
    other = JobseekerFactory(office=world.office)
    ConsentFactory(jobseeker=other, terms_version=world.terms)
    with pytest.raises(CutoffPassed):
        book(world, late, jobseeker=other, now=tokyo(2026, 11, 24, 0, 0))


def test_28_december_is_in_time_for_5_january(world):
    january = world.slot_at(tokyo(2027, 1, 5, 10, 0))
    reservation = book(world, january, now=tokyo(2026, 12, 28, 16, 0))
    assert reservation.starts_at == tokyo(2027, 1, 5, 10, 0)


def test_an_office_cutoff_of_two_days_at_17_is_applied(world):
    world.office.cutoff_days_before = 2
    world.office.cutoff_hour = 17
    world.office.save()
    with pytest.raises(CutoffPassed):
        book(world, now=tokyo(2026, 12, 1, 17, 0))
    assert book(world, now=tokyo(2026, 12, 1, 16, 59, 59)).pk


# The booking horizon (office setting, whole days).


def test_the_last_day_of_the_horizon_can_be_booked_and_the_next_cannot(world):
    world.office.booking_horizon_weeks = 1
    world.office.save()
    # One week from Tuesday 1 December: through Tuesday 8 December (JST).
    last = world.slot_at(tokyo(2026, 12, 8, 16, 30))
    assert slot_check(slot_id=last.pk, jobseeker=world.jobseeker, now=NOW) == last
    beyond = world.slot_at(tokyo(2026, 12, 9, 9, 0))
    with pytest.raises(BeyondHorizon):
        book(world, beyond, now=NOW)


# The slot itself.


def test_a_blocked_slot_is_refused(world):
    world.slot.status = SlotStatus.BLOCKED
    world.slot.save()
    with pytest.raises(SlotNotOpen):
        book(world, now=NOW)


def test_a_past_slot_is_refused(world):
    with pytest.raises(SlotInPast):
        book(world, now=SLOT_START + dt.timedelta(minutes=1))


@pytest.mark.parametrize("tampered", ["abc", "", None, "999999999", "-1", "1.5"])
def test_a_tampered_slot_id_is_refused_with_a_message(world, tampered):
    with pytest.raises(SlotNotOpen) as excinfo:
        reservation_create(
            slot=tampered,
            jobseeker=world.jobseeker,
            environment_checklist=dict(FULL_CHECKLIST),
            now=NOW,
        )
    assert str(excinfo.value.message)


def test_a_slot_of_another_office_is_refused(world):
    other = CounselorFactory(office=OfficeFactory(bureau=world.office.bureau))
    slot = world.slot_at(SLOT_START, counselor=other)
    with pytest.raises(WrongOffice):
        book(world, slot, now=NOW)


def test_another_office_of_the_bureau_is_allowed_when_the_office_says_so(world):
    world.office.other_offices_slots_visible = True
    world.office.save()
    other = CounselorFactory(office=OfficeFactory(bureau=world.office.bureau))
    slot = world.slot_at(SLOT_START, counselor=other)
    assert book(world, slot, now=NOW).office == other.office


def test_an_office_of_another_bureau_is_never_allowed(world):
    world.office.other_offices_slots_visible = True
    world.office.save()
    far = OfficeFactory(bureau=BureauFactory(code="tokyo", name="東京労働局"))
    slot = world.slot_at(SLOT_START, counselor=CounselorFactory(office=far))
    with pytest.raises(WrongOffice):
        book(world, slot, now=NOW)


def test_a_taken_slot_is_refused_and_nothing_changes(world):
    ReservationFactory(slot=world.slot)
    before = Notification.objects.count()
    with pytest.raises(SlotTaken):
        book(world, now=NOW)
    assert Reservation.objects.count() == 1
    assert Notification.objects.count() == before


def test_a_cancelled_reservation_frees_the_slot(world):
    ReservationFactory(
        slot=world.slot, status=ReservationStatus.CANCELLED, cancelled_at=NOW - dt.timedelta(1)
    )
    assert book(world, now=NOW).status == ReservationStatus.CONFIRMED


# The jobseeker (Art 2(1), 13(1)) and the office's limit.


def test_a_suspended_jobseeker_is_refused_and_told_the_phone_number(world):
    world.jobseeker.suspended = True
    world.jobseeker.suspension_reason = "Art 13(1)"
    world.jobseeker.save()
    with pytest.raises(JobseekerSuspended) as excinfo:
        book(world, now=NOW)
    assert world.office.phone in str(excinfo.value.message)


def test_an_unverified_jobseeker_is_refused_where_the_office_requires_verification(world):
    world.jobseeker.registration_status = RegistrationStatus.UNVERIFIED
    world.jobseeker.save()
    with pytest.raises(RegistrationUnverified):
        book(world, now=NOW)
    world.office.unverified_may_book = True
    world.office.save()
    assert book(world, now=NOW).pk


def test_an_expired_registration_is_refused_the_day_after_it_ends(world):
    world.jobseeker.registration_valid_until = dt.date(2026, 11, 30)
    world.jobseeker.save()
    with pytest.raises(RegistrationExpired):
        book(world, now=NOW)


def test_a_registration_ending_today_still_books_and_is_extended_by_use(world):
    world.jobseeker.registration_valid_until = dt.date(2026, 12, 1)
    world.jobseeker.save()
    book(world, now=NOW)
    world.jobseeker.refresh_from_db()
    assert world.jobseeker.registration_valid_until == dt.date(2027, 2, 28)


def test_the_upcoming_limit_is_enforced_at_commit(world):
    book(world, now=NOW)
    second = world.slot_at(tokyo(2026, 12, 4, 10, 0))
    with pytest.raises(UpcomingLimitReached):
        book(world, second, now=NOW)
    with pytest.raises(UpcomingLimitReached):
        booking_gate(jobseeker=world.jobseeker, now=NOW)


def test_a_past_reservation_does_not_count_against_the_limit(world):
    past = world.slot_at(tokyo(2026, 11, 30, 10, 0))
    ReservationFactory(slot=past, jobseeker=world.jobseeker)
    assert book(world, now=NOW).pk


# Consent (Art 2(3), 6, 14) and the checklist (Art 5, 13).


def test_no_consent_no_booking(world):
    Consent.objects.all().delete()
    with pytest.raises(ConsentRequired):
        book(world, now=NOW)


def test_consent_to_an_older_version_is_not_enough_once_a_newer_one_is_in_force(world):
    TermsVersionFactory(
        bureau=world.office.bureau,
        label="v2",
        effective_from=tokyo(2026, 11, 1),
        published_at=tokyo(2026, 10, 1),
    )
    with pytest.raises(ConsentRequired):
        book(world, now=NOW)


def test_a_version_published_but_not_yet_in_force_does_not_ask_again(world):
    TermsVersionFactory(
        bureau=world.office.bureau,
        label="v2",
        effective_from=tokyo(2027, 1, 1),
        published_at=tokyo(2026, 11, 1),
    )
    assert book(world, now=NOW).pk


def test_without_terms_in_force_nobody_books(world):
    # A published version can never be unpublished (Art 14): take a bureau that has none.
    world.jobseeker.office = OfficeFactory(bureau=BureauFactory(code="no-terms-yet"))
    world.jobseeker.save()
    with pytest.raises(TermsNotPublished):
        book(world, now=NOW)


def test_an_incomplete_checklist_is_refused(world):
    checklist = dict(FULL_CHECKLIST, no_recording=False)
    with pytest.raises(ChecklistIncomplete):
        book(world, now=NOW, environment_checklist=checklist)


def test_a_note_over_the_limit_is_refused_not_truncated(world):
    with pytest.raises(BookingError):
        book(world, now=NOW, note="あ" * 401)


# What a successful commit writes.


def test_the_reservation_and_its_invitation_row_are_written_together(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        reservation = book(
            world,
            now=NOW,
            interpreter_language=" ポルトガル語 ",
            assistant_attends=True,
            note="  耳が少し遠いです ",
        )
    invitation = Notification.objects.get(reservation=reservation)
    assert invitation.kind == NotificationKind.INVITATION
    assert invitation.recipient == world.jobseeker.email
    assert len(sends_enqueued(callbacks)) == 1
    assert reservation.interpreter_language == "ポルトガル語"
    assert reservation.note == "耳が少し遠いです"
    assert reservation.environment_checklist == FULL_CHECKLIST
    assert reservation.source == ReservationSource.WEB
    assert reservation.starts_at == SLOT_START


def test_the_reservation_page_token_is_stored_only_as_a_hash(world):
    reservation = book(world, now=NOW)
    token = reservation_access_token(reservation)
    assert len(token) == 64
    assert token not in reservation.access_token_hash
    assert reservation.access_token_hash == hash_token(token)


def test_slot_check_reports_a_taken_slot(world):
    ReservationFactory(slot=world.slot)
    with time_machine.travel(NOW, tick=False), pytest.raises(SlotTaken):
        slot_check(slot_id=world.slot.pk, jobseeker=world.jobseeker)
