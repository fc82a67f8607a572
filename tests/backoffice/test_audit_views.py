"""Art 9: every staff page that shows a jobseeker writes who looked, at whom, and when."""

import pytest
from django.urls import reverse

from core.calendar import tokyo_date
from jobseekers.models import AuditAction, AuditEntry
from tests.backoffice.conftest import OFFICE_STAFF, make_user
from tests.factories import CounselorFactory, JobseekerFactory, ReservationFactory, SlotFactory
from tests.helpers import staff_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def reservation(office):
    slot = SlotFactory(counselor=CounselorFactory(office=office))
    return ReservationFactory(slot=slot, jobseeker=JobseekerFactory(office=office))


def _pages(reservation):
    day = tokyo_date(reservation.starts_at).isoformat()
    return {
        "session": reverse("admin:bookings_reservation_session", args=[reservation.pk]),
        "refusal": reverse("admin:jobseekers_jobseeker_refusal", args=[reservation.jobseeker_id]),
        "reservation": reverse("admin:bookings_reservation_change", args=[reservation.pk]),
        "schedule": reverse("admin:bookings_slot_day")
        + f"?date={day}&counselor={reservation.slot.counselor_id}",
    }


@pytest.mark.parametrize("page", ["session", "refusal", "reservation", "schedule"])
def test_opening_a_page_that_shows_the_jobseeker_is_audited(client, staff_user, reservation, page):
    staff_login(client, staff_user)
    AuditEntry.objects.all().delete()
    assert client.get(_pages(reservation)[page]).status_code == 200
    entry = AuditEntry.objects.get(action=AuditAction.VIEW)
    assert entry.actor == staff_user
    assert entry.jobseeker_id == reservation.jobseeker_id
    assert entry.target.startswith(page)
    assert reservation.jobseeker.number not in entry.target + entry.detail


@pytest.mark.parametrize("page", ["session", "refusal", "reservation", "schedule"])
def test_staff_of_another_office_neither_see_nor_leave_a_view(
    client, other_office, reservation, page
):
    stranger = make_user(OFFICE_STAFF, office=other_office)
    staff_login(client, stranger)
    AuditEntry.objects.all().delete()
    response = client.get(_pages(reservation)[page])
    if page == "schedule":  # their own (empty) day: the other office's slot is not on it
        assert reservation.jobseeker.family_name not in response.content.decode()
    else:
        assert response.status_code == 404
    assert not AuditEntry.objects.filter(jobseeker=reservation.jobseeker).exists()
