"""The staff dashboard, and the admin as each role: no input gives a 500."""

import pytest
from django.contrib import admin
from django.urls import reverse

from bookings.models import ReservationStatus
from jobseekers.models import EmailProblem, RegistrationStatus
from notifications.models import NotificationKind, NotificationStatus
from tests.factories import (
    CounselorFactory,
    JobseekerFactory,
    OfficeFactory,
    ReservationFactory,
    SlotFactory,
    tokyo,
)
from tests.helpers import staff_login

from .conftest import BUREAU_ADMIN, COUNSELOR, OFFICE_STAFF, make_user

pytestmark = pytest.mark.django_db


def _reservation(office, starts_at, **kwargs):
    counselor = kwargs.pop("counselor", None) or CounselorFactory(office=office)
    return ReservationFactory(
        slot=SlotFactory(counselor=counselor, starts_at=starts_at),
        jobseeker=JobseekerFactory(office=office),
        **kwargs,
    )


def test_the_dashboard_counts_the_office_and_links_filtered_lists(
    client, office, staff_user, time_machine
):
    time_machine.move_to(tokyo(2026, 12, 1, 8), tick=False)
    counselor = CounselorFactory(office=office, display_name="相談員 佐藤")
    _reservation(office, tokyo(2026, 12, 1, 9), counselor=counselor)
    _reservation(
        office, tokyo(2026, 12, 1, 10), counselor=counselor, status=ReservationStatus.COMPLETED
    )
    _reservation(office, tokyo(2026, 12, 2, 10))  # tomorrow: not today's
    sent = _reservation(office, tokyo(2026, 12, 3, 10))
    sent.notifications.create(
        kind=NotificationKind.INVITATION,
        recipient="a@example.jp",
        idempotency_key="sent",
        queued_at=tokyo(2026, 11, 30, 9),
        status=NotificationStatus.SENT,
        sent_at=tokyo(2026, 11, 30, 9),
    )
    JobseekerFactory(office=office, needs_review=True)
    JobseekerFactory(office=office, registration_status=RegistrationStatus.UNVERIFIED)
    JobseekerFactory(office=office, email_problem=EmailProblem.BOUNCED)
    elsewhere = OfficeFactory()
    _reservation(elsewhere, tokyo(2026, 12, 1, 9))
    JobseekerFactory(office=elsewhere, needs_review=True)
    staff_login(client, staff_user)
    response = client.get(reverse("admin:bookings_reservation_dashboard"))
    assert response.status_code == 200
    board = response.context["dashboard"]
    (row,) = board.consultations
    assert (row.counselor, row.total, row.held, row.upcoming) == (counselor, 2, 1, 1)
    # Confirmed and upcoming without a sent invitation: today's 9:00 and tomorrow's.
    assert board.invitations_unsent == 2
    assert (board.no_shows_to_review, board.unverified, board.bounced) == (1, 1, 1)
    text = response.content.decode()
    for link, count in [
        (
            reverse("admin:bookings_reservation_changelist")
            + "?invitation=unsent&amp;when=upcoming",
            2,
        ),
        (reverse("admin:jobseekers_jobseeker_changelist") + "?needs_review__exact=1", 1),
        (
            reverse("admin:jobseekers_jobseeker_changelist")
            + "?registration_status__exact=unverified",
            1,
        ),
        (reverse("admin:jobseekers_jobseeker_changelist") + "?email_problem=any", 1),
    ]:
        assert link in text
        listing = client.get(link.replace("&amp;", "&"))
        assert listing.status_code == 200
        assert listing.context["cl"].result_count == count, link
    index = client.get(reverse("admin:index")).content.decode()
    assert reverse("admin:bookings_reservation_dashboard") in index


ROLES = [COUNSELOR, OFFICE_STAFF, BUREAU_ADMIN]


@pytest.mark.parametrize("role", ROLES)
def test_every_admin_list_and_add_page_answers_without_a_500(client, office, role):
    user = make_user(role, office=office)
    _reservation(office, tokyo(2030, 1, 7, 10))
    staff_login(client, user)
    for model in admin.site._registry:
        opts = model._meta
        for name in ["changelist", "add"]:
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_{name}")
            for query in [
                "",
                "?q=%E3%83%BC%27%22",
                "?q=%00",
                "?o=99",
                "?starts_at__gte=nonsense",
                "?p=x",
                "?office__id__exact=abc",
            ]:
                response = client.get(url + query)
                assert response.status_code < 500, (url, query)


@pytest.mark.dates  # the day and week views and the dashboard open on today
@pytest.mark.parametrize("role", ROLES)
def test_custom_pages_refuse_garbage_without_a_500(client, office, role):
    user = make_user(role, office=office)
    reservation = _reservation(office, tokyo(2030, 1, 7, 10))
    staff_login(client, user)
    pages = [
        reverse("admin:bookings_slot_day"),
        reverse("admin:bookings_slot_week"),
        reverse("admin:bookings_reservation_dashboard"),
        reverse("admin:bookings_reservation_phone_search"),
        reverse("admin:bookings_reservation_phone", args=[reservation.pk]),
        reverse("admin:bookings_reservation_follow_up", args=[reservation.pk]),
        reverse("admin:bookings_reservation_session", args=[reservation.pk]),
        reverse("admin:jobseekers_jobseeker_verify", args=[reservation.jobseeker_id]),
        reverse("admin:jobseekers_jobseeker_roster"),
    ]
    garbage = [
        {},
        {"action": "cancel", "confirm": "yes", "called_at": "\x00", "reason": "x" * 10000},
        {"action": "import", "token": ["a", "b"]},
        {"slot": "-1", "date": "9999-99-99", "counselor": "0"},
        {"valid_until": "０"},
    ]
    for url in pages:
        assert client.get(url, {"date": "x", "counselor": "'", "q": "\x00"}).status_code < 500, url
        for data in garbage:
            assert client.post(url, data).status_code < 500, (url, data)


def test_the_back_office_pages_read_in_english_too(client, office, staff_user, settings):
    settings.LANGUAGE_CODE = "en"
    reservation = _reservation(office, tokyo(2030, 1, 7, 10))
    staff_login(client, staff_user)
    for url, words in [
        (reverse("admin:bookings_reservation_dashboard"), "Consultations today"),
        (reverse("admin:bookings_slot_week") + "?date=2030-01-07", "Previous week"),
        (reverse("admin:bookings_reservation_phone", args=[reservation.pk]), "Late notice"),
        (reverse("admin:jobseekers_jobseeker_roster"), "Roster file"),
    ]:
        response = client.get(url, headers={"accept-language": "en"})
        assert response.status_code == 200
        assert words in response.content.decode(), url
    japanese = client.get(
        reverse("admin:bookings_reservation_dashboard"), headers={"accept-language": "ja"}
    )
    assert "本日の相談" in japanese.content.decode()
