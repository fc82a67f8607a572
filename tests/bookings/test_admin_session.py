import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from bookings.models import Reservation, ReservationStatus
from jobseekers.models import AuditAction, AuditEntry
from tests.factories import (
    JobseekerFactory,
    OfficeFactory,
    ReservationFactory,
    SlotFactory,
    StaffProfileFactory,
    UserFactory,
    tokyo,
)
from tests.helpers import staff_login

# The outcome depends on the date the suite runs at: `make test-dates` runs it at each date.
pytestmark = pytest.mark.dates

PERMS = [
    "change_reservation",
    "view_reservation",
    "change_jobseeker",
    "view_jobseeker",
]


def _staff(office):
    user = UserFactory()
    user.user_permissions.set(Permission.objects.filter(codename__in=PERMS))
    StaffProfileFactory(user=user, office=office)
    return user


def _reservation(office, **kwargs):
    slot = SlotFactory(
        starts_at=kwargs.pop("starts_at", timezone.now() - dt.timedelta(minutes=1)),
        counselor__office=office,
    )
    return ReservationFactory(slot=slot, jobseeker=JobseekerFactory(office=office), **kwargs)


# A Tuesday morning in Tokyo; every test of this file runs on this clock.
NOW = tokyo(2026, 12, 1, 10, 5)


@pytest.fixture(autouse=True)
def clock(time_machine):
    time_machine.move_to(NOW, tick=False)
    return NOW


@pytest.fixture
def office():
    return OfficeFactory()


@pytest.fixture
def staff(office):
    return _staff(office)


@pytest.fixture
def staff_client(client, staff):
    return staff_login(client, staff)


def _session_url(reservation):
    return reverse("admin:bookings_reservation_session", args=[reservation.pk])


@pytest.mark.django_db
def test_staff_start_and_end_a_session_of_their_office(staff_client, office):
    reservation = _reservation(office)
    url = _session_url(reservation)
    assert staff_client.get(url).status_code == 200
    assert staff_client.post(url, {"action": "start"}).status_code == 302
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.IN_SESSION
    response = staff_client.post(url, {"action": "end", "outcome": "応募書類の添削"})
    assert response.status_code == 302
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.COMPLETED
    assert reservation.outcome == "応募書類の添削"


@pytest.mark.django_db
def test_ending_early_without_a_reason_changes_nothing(staff_client, office):
    reservation = _reservation(
        office, status=ReservationStatus.IN_SESSION, started_at=timezone.now()
    )
    response = staff_client.post(_session_url(reservation), {"action": "end_early", "reason": ""})
    assert response.status_code == 400
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.IN_SESSION


@pytest.mark.django_db
def test_ending_early_leads_to_the_suspension_page(staff_client, office):
    reservation = _reservation(
        office, status=ReservationStatus.IN_SESSION, started_at=timezone.now()
    )
    response = staff_client.post(
        _session_url(reservation), {"action": "end_early", "reason": "目的外利用（13条1項）"}
    )
    refusal = reverse("admin:jobseekers_jobseeker_refusal", args=[reservation.jobseeker_id])
    assert response.status_code == 302
    assert response.url == refusal
    response = staff_client.post(refusal, {"action": "suspend", "reason": "目的外利用のため"})
    assert response.status_code == 302
    reservation.jobseeker.refresh_from_db()
    assert reservation.jobseeker.suspended


@pytest.mark.django_db
def test_starting_twice_is_refused_with_a_message(staff_client, office):
    reservation = _reservation(office, status=ReservationStatus.NO_SHOW)
    response = staff_client.post(_session_url(reservation), {"action": "start"})
    assert response.status_code == 400
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.NO_SHOW


@pytest.mark.django_db
def test_another_offices_reservation_and_jobseeker_are_404(staff_client):
    other = _reservation(OfficeFactory())
    assert staff_client.get(_session_url(other)).status_code == 404
    assert staff_client.post(_session_url(other), {"action": "start"}).status_code == 404
    refusal = reverse("admin:jobseekers_jobseeker_refusal", args=[other.jobseeker_id])
    assert staff_client.get(refusal).status_code == 404
    other.refresh_from_db()
    assert other.status == ReservationStatus.CONFIRMED


@pytest.mark.django_db
def test_the_session_pages_refuse_other_methods(staff_client, office):
    reservation = _reservation(office)
    assert staff_client.put(_session_url(reservation)).status_code == 405
    refusal = reverse("admin:jobseekers_jobseeker_refusal", args=[reservation.jobseeker_id])
    assert staff_client.delete(refusal).status_code == 405
    figures = reverse("admin:bookings_reservation_figures")
    assert staff_client.post(figures).status_code == 405


@pytest.mark.django_db
def test_staff_clear_the_review_flag_and_lift_a_suspension(staff_client, office):
    jobseeker = JobseekerFactory(
        office=office, needs_review=True, suspended=True, suspension_reason="x"
    )
    url = reverse("admin:jobseekers_jobseeker_refusal", args=[jobseeker.pk])
    assert staff_client.get(url).status_code == 200
    assert staff_client.post(url, {"action": "unsuspend"}).status_code == 302
    assert staff_client.post(url, {"action": "clear_review"}).status_code == 302
    jobseeker.refresh_from_db()
    assert not jobseeker.suspended and not jobseeker.needs_review
    assert set(AuditEntry.objects.values_list("action", flat=True)) == {
        AuditAction.VIEW,  # opening the page (Art 9)
        AuditAction.UNSUSPEND,
        AuditAction.CLEAR_REVIEW,
    }


@pytest.mark.django_db
def test_figures_show_rates_of_the_users_office_only(staff_client, office):
    past = timezone.now() - dt.timedelta(days=2)
    for status in [
        ReservationStatus.COMPLETED,
        ReservationStatus.COMPLETED,
        ReservationStatus.COMPLETED,
    ]:
        _reservation(office, status=status, starts_at=past)
    _reservation(office, status=ReservationStatus.NO_SHOW, starts_at=past)
    other = OfficeFactory(name="よその所")
    _reservation(other, status=ReservationStatus.NO_SHOW, starts_at=past)
    response = staff_client.get(reverse("admin:bookings_reservation_figures"))
    assert response.status_code == 200
    (row,) = response.context["rows"]
    assert (row.office, row.booked, row.attended, row.no_show) == (office.name, 4, 3, 1)
    assert row.attendance_rate == 0.75
    assert "75%" in response.content.decode()
    assert "よその所" not in response.content.decode()


@pytest.mark.django_db
def test_a_staff_user_without_permission_is_refused(client, office):
    user = UserFactory()
    StaffProfileFactory(user=user, office=office)
    staff_login(client, user)
    reservation = _reservation(office)
    assert client.get(_session_url(reservation)).status_code == 403


@pytest.mark.django_db
def test_the_reservation_list_shows_only_the_users_office_and_links_the_figures(
    staff_client, office
):
    mine = _reservation(office)
    theirs = _reservation(OfficeFactory())
    response = staff_client.get(reverse("admin:bookings_reservation_changelist"))
    assert response.status_code == 200
    content = response.content.decode()
    assert mine.reference in content
    assert theirs.reference not in content
    assert reverse("admin:bookings_reservation_figures") in content
    assert reverse("admin:bookings_reservation_session", args=[mine.pk]) in content


@pytest.mark.django_db
def test_the_session_page_offers_start_only_from_the_lead_time(
    staff_client, staff, office, time_machine
):
    reservation = _reservation(office, starts_at=tokyo(2026, 12, 1, 14))
    url = _session_url(reservation)
    page = staff_client.get(url)
    text = page.content.decode()
    assert page.status_code == 200
    assert 'value="start"' not in text and 'value="相談を開始"' not in text
    assert "2026年12月1日（火）13:45から" in text  # when it becomes possible
    # Posting the start anyway (an old tab, a crafted request) is refused by the service.
    refused = staff_client.post(url, {"action": "start"})
    assert refused.status_code == 400
    assert "13:45から" in refused.content.decode()
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.CONFIRMED
    time_machine.move_to(tokyo(2026, 12, 1, 13, 45), tick=False)
    staff_login(staff_client, staff)  # (the idle session ended meanwhile)
    page = staff_client.get(url)
    assert 'value="相談を開始"' in page.content.decode()
    assert staff_client.post(url, {"action": "start"}).status_code == 302
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.IN_SESSION


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("starts_at", "says"),
    [
        (tokyo(2026, 12, 4, 10), "2026年12月4日（金）09:45から"),  # days ahead
        (tokyo(2026, 11, 30, 10), "予約日は過ぎています"),  # yesterday, never started
    ],
)
def test_the_session_page_never_offers_start_on_another_day(staff_client, office, starts_at, says):
    reservation = _reservation(office, starts_at=starts_at)
    text = staff_client.get(_session_url(reservation)).content.decode()
    assert 'value="相談を開始"' not in text
    assert says in text
    assert staff_client.post(_session_url(reservation), {"action": "start"}).status_code == 400
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.CONFIRMED


@pytest.mark.django_db
def test_a_session_left_open_from_yesterday_can_be_ended_but_offers_no_follow_up(
    staff_client, staff, office
):
    staff.user_permissions.add(Permission.objects.get(codename="add_reservation"))
    reservation = _reservation(
        office,
        starts_at=tokyo(2026, 11, 30, 10),
        status=ReservationStatus.IN_SESSION,
        started_at=tokyo(2026, 11, 30, 10),
    )
    url = _session_url(reservation)
    text = staff_client.get(url).content.decode()
    follow_up = reverse("admin:bookings_reservation_follow_up", args=[reservation.pk])
    assert follow_up not in text
    assert "相談を終了" in text
    # The follow-up (which skips the web's limits) is refused days later, even posted by hand.
    later = SlotFactory(counselor=reservation.slot.counselor, starts_at=tokyo(2026, 12, 8, 10))
    assert staff_client.post(follow_up, {"slot": later.pk}).status_code == 400
    assert not Reservation.objects.filter(previous=reservation).exists()
    assert staff_client.post(url, {"action": "end", "outcome": ""}).status_code == 302
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.COMPLETED
