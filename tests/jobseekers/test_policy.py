import datetime as dt

import pytest

from bookings.errors import InvalidTransition, JobseekerSuspended, ReasonRequired
from bookings.models import ReservationStatus
from bookings.policy import (
    jobseeker_clear_review,
    jobseeker_noshow_count,
    jobseeker_suspend,
    jobseeker_unsuspend,
)
from bookings.services.reservations import jobseeker_gate
from bookings.services.sessions import noshow_sweep
from jobseekers.models import AuditAction, AuditEntry
from tests.factories import (
    JobseekerFactory,
    OfficeFactory,
    ReservationFactory,
    SlotFactory,
    UserFactory,
    tokyo,
)

NOW = tokyo(2026, 12, 1, 12, 0)


def _missed(jobseeker, starts_at):
    slot = SlotFactory(starts_at=starts_at, counselor__office=jobseeker.office)
    return ReservationFactory(slot=slot, jobseeker=jobseeker)


@pytest.mark.django_db
def test_the_second_no_show_flags_the_jobseeker_for_review_without_suspending():
    jobseeker = JobseekerFactory()
    _missed(jobseeker, NOW - dt.timedelta(days=30))
    noshow_sweep(now=NOW)
    jobseeker.refresh_from_db()
    assert not jobseeker.needs_review
    _missed(jobseeker, NOW - dt.timedelta(minutes=15))
    noshow_sweep(now=NOW)
    jobseeker.refresh_from_db()
    assert jobseeker_noshow_count(jobseeker=jobseeker, now=NOW) == 2
    assert jobseeker.needs_review
    assert jobseeker.review_flagged_at == NOW
    assert not jobseeker.suspended


@pytest.mark.django_db
def test_no_shows_outside_the_window_do_not_count():
    jobseeker = JobseekerFactory()
    old = _missed(jobseeker, NOW - dt.timedelta(days=200))
    old.status = ReservationStatus.NO_SHOW
    old.save()
    _missed(jobseeker, NOW - dt.timedelta(minutes=15))
    noshow_sweep(now=NOW)
    jobseeker.refresh_from_db()
    assert jobseeker_noshow_count(jobseeker=jobseeker, now=NOW) == 1
    assert not jobseeker.needs_review


@pytest.mark.django_db
def test_the_office_setting_suspends_automatically_at_the_threshold():
    office = OfficeFactory(auto_suspend_on_threshold=True, noshow_threshold=1, phone="086-1")
    jobseeker = JobseekerFactory(office=office)
    _missed(jobseeker, NOW - dt.timedelta(minutes=15))
    noshow_sweep(now=NOW)
    jobseeker.refresh_from_db()
    assert jobseeker.suspended
    assert jobseeker.suspension_reason
    assert AuditEntry.objects.filter(action=AuditAction.SUSPEND, jobseeker=jobseeker).exists()
    with pytest.raises(JobseekerSuspended) as caught:
        jobseeker_gate(jobseeker=jobseeker, now=NOW)
    assert "086-1" in str(caught.value.message)


@pytest.mark.django_db
def test_staff_suspend_with_a_reason_and_lift_it():
    jobseeker = JobseekerFactory(needs_review=True)
    staff = UserFactory()
    with pytest.raises(ReasonRequired):
        jobseeker_suspend(jobseeker=jobseeker, actor=staff, reason=" ", now=NOW)
    jobseeker_suspend(jobseeker=jobseeker, actor=staff, reason="無断欠席が続いたため", now=NOW)
    jobseeker.refresh_from_db()
    assert jobseeker.suspended and jobseeker.suspended_by == staff and not jobseeker.needs_review
    with pytest.raises(InvalidTransition):
        jobseeker_suspend(jobseeker=jobseeker, actor=staff, reason="again", now=NOW)
    jobseeker_unsuspend(jobseeker=jobseeker, actor=staff, now=NOW)
    jobseeker.refresh_from_db()
    assert not jobseeker.suspended and jobseeker.suspension_reason == ""
    jobseeker_gate(jobseeker=jobseeker, now=NOW)
    assert list(
        AuditEntry.objects.filter(jobseeker=jobseeker)
        .order_by("pk")
        .values_list("action", flat=True)
    ) == [AuditAction.SUSPEND, AuditAction.UNSUSPEND]


@pytest.mark.django_db
def test_staff_clear_the_review_flag():
    jobseeker = JobseekerFactory(needs_review=True)
    jobseeker_clear_review(jobseeker=jobseeker, actor=UserFactory(), now=NOW)
    jobseeker.refresh_from_db()
    assert not jobseeker.needs_review
    with pytest.raises(InvalidTransition):
        jobseeker_clear_review(jobseeker=jobseeker, actor=UserFactory(), now=NOW)
