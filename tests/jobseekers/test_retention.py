"""Retention (Art 9): inactive jobseekers are anonymised; their reservations stay as statistics."""

import datetime as dt

import pytest
from django.test import override_settings

from bookings.models import Reservation, ReservationStatus
from bookings.selectors import office_week_figures
from jobseekers.models import AuditAction, AuditEntry, Jobseeker, SignInToken
from jobseekers.retention import jobseekers_anonymise_inactive
from jobseekers.tasks import anonymise_inactive_task
from notifications.models import Notification
from offices.models import Office
from tests.factories import (
    ConsentFactory,
    JobseekerFactory,
    OfficeFactory,
    ReservationFactory,
    SlotFactory,
    tokyo,
)

NOW = tokyo(2030, 6, 1, 3, 0)


def _jobseeker(office, last_activity, **kwargs):
    jobseeker = JobseekerFactory(
        office=office,
        registration_valid_until=(last_activity + dt.timedelta(days=60)).date(),
        **kwargs,
    )
    Jobseeker.objects.filter(pk=jobseeker.pk).update(
        last_activity_at=last_activity, created_at=last_activity
    )
    return jobseeker


@pytest.fixture
def world():
    office = OfficeFactory()
    old = _jobseeker(office, tokyo(2027, 1, 10), family_name="吉備", given_name="太郎")
    statuses = [
        ReservationStatus.COMPLETED,
        ReservationStatus.NO_SHOW,
        ReservationStatus.CANCELLED,
    ]
    for day, status in zip((11, 12, 13), statuses, strict=True):
        slot = SlotFactory(counselor__office=office, starts_at=tokyo(2027, 1, day, 10))
        ReservationFactory(
            slot=slot,
            jobseeker=old,
            status=status,
            cancelled_at=tokyo(2027, 1, 5) if status == ReservationStatus.CANCELLED else None,
            cancel_caller="吉備 太郎 本人" if status == ReservationStatus.CANCELLED else "",
            note="聴覚に配慮が必要",
        )
    ConsentFactory(jobseeker=old, ip_address="192.0.2.44")
    Notification.objects.create(
        kind="reminder",
        jobseeker=old,
        recipient=old.email,
        idempotency_key="reminder:x",
        queued_at=tokyo(2027, 1, 10),
    )
    SignInToken.objects.create(
        token_hash="x" * 64,
        purpose="returning",
        jobseeker=old,
        created_at=tokyo(2027, 1, 10),
        expires_at=tokyo(2027, 1, 10, 1),
    )
    recent = _jobseeker(office, tokyo(2028, 1, 1))
    booked_later = _jobseeker(office, tokyo(2026, 1, 1))
    ReservationFactory(
        slot=SlotFactory(counselor__office=office, starts_at=tokyo(2029, 5, 1, 10)),
        jobseeker=booked_later,
    )
    registered = _jobseeker(office, tokyo(2026, 1, 1))
    Jobseeker.objects.filter(pk=registered.pk).update(registration_valid_until=dt.date(2030, 8, 31))
    return office, old, [recent, booked_later, registered]


def _figures():
    return office_week_figures(
        offices=Office.objects.all(), since=tokyo(2026, 1, 1), until=tokyo(2031, 1, 1)
    )


@pytest.mark.django_db
def test_anonymisation_erases_the_person_and_leaves_the_statistics_intact(world):
    office, old, kept = world
    before = _figures()
    statuses = sorted(Reservation.objects.filter(jobseeker=old).values_list("status", flat=True))
    assert jobseekers_anonymise_inactive(now=NOW, years=3) == 1
    assert _figures() == before
    assert (
        sorted(Reservation.objects.filter(jobseeker=old).values_list("status", flat=True))
        == statuses
    )
    old_values = (old.number, old.email, old.family_name, old.given_name)
    old.refresh_from_db()
    assert old.anonymised_at == NOW
    assert old.number == f"00000-{old.pk:08d}"
    assert old.email.endswith(".invalid")
    assert (old.family_name, old.given_name, old.family_name_kana, old.phone) == ("", "", "", "")
    stored = " ".join(
        str(v) for row in Reservation.objects.filter(jobseeker=old).values() for v in row.values()
    )
    for value in (*old_values, "吉備", "聴覚"):
        assert value not in stored
    assert old.consents.get().ip_address is None
    assert Notification.objects.get(jobseeker=old).recipient == old.email
    assert not SignInToken.objects.filter(jobseeker=old).exists()
    entry = AuditEntry.objects.get(action=AuditAction.ANONYMISE)
    assert entry.jobseeker == old and entry.at == NOW


@pytest.mark.django_db
def test_recent_activity_a_later_reservation_or_a_running_registration_keep_a_record(world):
    office, old, kept = world
    jobseekers_anonymise_inactive(now=NOW, years=3)
    for jobseeker in kept:
        jobseeker.refresh_from_db()
        assert jobseeker.anonymised_at is None
        assert jobseeker.family_name == "山田"


@pytest.mark.django_db
def test_the_beat_job_reads_the_setting_and_a_second_run_does_nothing(world, monkeypatch):
    office, old, kept = world
    # The job counts the years on the database's clock; here that clock reads NOW.
    monkeypatch.setattr("jobseekers.retention.db_now", lambda: NOW)
    with override_settings(JOBSEEKER_INACTIVE_YEARS=5):
        assert anonymise_inactive_task() == 0
    with override_settings(JOBSEEKER_INACTIVE_YEARS=3):
        assert anonymise_inactive_task() == 1
        assert anonymise_inactive_task() == 0
    assert AuditEntry.objects.filter(action=AuditAction.ANONYMISE).count() == 1


@pytest.mark.django_db
def test_activity_is_recorded_once_an_hour_not_on_every_request(django_assert_num_queries):
    from jobseekers.services import jobseeker_touch

    now = tokyo(2026, 12, 1, 10, 0)
    jobseeker = JobseekerFactory(last_activity_at=now - dt.timedelta(days=400))
    jobseeker_touch(jobseeker=jobseeker, today=now.date(), now=now)
    jobseeker.refresh_from_db()
    assert jobseeker.last_activity_at == now

    with django_assert_num_queries(0):
        jobseeker_touch(jobseeker=jobseeker, today=now.date(), now=now + dt.timedelta(minutes=59))
    later = now + dt.timedelta(minutes=61)
    jobseeker_touch(jobseeker=jobseeker, today=later.date(), now=later)
    jobseeker.refresh_from_db()
    assert jobseeker.last_activity_at == later
