"""Roles and least privilege (Art 9): each role sees its office; other offices are 404."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from jobseekers.models import AuditAction, AuditEntry
from tests.factories import (
    CounselorFactory,
    JobseekerFactory,
    ReservationFactory,
    SlotFactory,
    WeeklyAvailabilityFactory,
)
from tests.helpers import staff_login

from .conftest import BUREAU_ADMIN, COUNSELOR, OFFICE_STAFF, make_user

# The outcome depends on the date the suite runs at: `make test-dates` runs it at each date.
pytestmark = [pytest.mark.django_db, pytest.mark.dates]


def _world(office):
    counselor = CounselorFactory(office=office)
    slot = SlotFactory(counselor=counselor, starts_at=timezone.now() + dt.timedelta(days=3))
    jobseeker = JobseekerFactory(office=office)
    reservation = ReservationFactory(slot=slot, jobseeker=jobseeker)
    pattern = WeeklyAvailabilityFactory(counselor=counselor)
    return {
        "counselor": counselor,
        "slot": slot,
        "jobseeker": jobseeker,
        "reservation": reservation,
        "weeklyavailability": pattern,
    }


CHANGE_PAGES = [
    ("bookings", "counselor"),
    ("bookings", "slot"),
    ("bookings", "reservation"),
    ("bookings", "weeklyavailability"),
    ("jobseekers", "jobseeker"),
]


def test_the_groups_exist_with_their_permissions():
    counselor = set(
        Group.objects.get(name=COUNSELOR).permissions.values_list("codename", flat=True)
    )
    staff = set(Group.objects.get(name=OFFICE_STAFF).permissions.values_list("codename", flat=True))
    bureau = set(
        Group.objects.get(name=BUREAU_ADMIN).permissions.values_list("codename", flat=True)
    )
    assert {"view_slot", "change_slot", "add_reservation", "change_reservation"} <= counselor
    assert "phone_reservation" not in counselor
    assert "change_jobseeker" not in counselor
    assert {"phone_reservation", "change_jobseeker", "add_rosterentry"} <= staff
    assert "change_office" not in staff
    assert counselor < staff < bureau
    assert {"change_office", "add_termsversion", "view_auditentry"} <= bureau
    # Nobody but a superuser manages user accounts (a user form can grant superuser status).
    assert not any(code.endswith("_user") for code in bureau)


@pytest.mark.parametrize("role", [COUNSELOR, OFFICE_STAFF, BUREAU_ADMIN])
@pytest.mark.parametrize(("app", "model"), CHANGE_PAGES)
def test_each_role_sees_its_office_and_gets_404_for_another_bureau(
    client, office, foreign_office, role, app, model
):
    user = make_user(role, office=office, bureau=office.bureau)
    mine, theirs = _world(office), _world(foreign_office)
    staff_login(client, user)
    own = client.get(reverse(f"admin:{app}_{model}_change", args=[mine[model].pk]))
    assert own.status_code == 200
    other = client.get(reverse(f"admin:{app}_{model}_change", args=[theirs[model].pk]))
    assert other.status_code == 404
    listing = client.get(reverse(f"admin:{app}_{model}_changelist"))
    assert listing.status_code == 200
    assert listing.context["cl"].result_count == 1


@pytest.mark.parametrize("role", [COUNSELOR, OFFICE_STAFF])
def test_office_roles_get_404_for_a_neighbouring_office(client, office, other_office, role):
    user = make_user(role, office=office)
    theirs = _world(other_office)
    staff_login(client, user)
    for app, model in CHANGE_PAGES:
        url = reverse(f"admin:{app}_{model}_change", args=[theirs[model].pk])
        assert client.get(url).status_code == 404, model
    for url in [
        reverse("admin:jobseekers_jobseeker_history", args=[theirs["jobseeker"].pk]),
        reverse("admin:bookings_slot_delete", args=[theirs["slot"].pk]),
    ]:
        assert client.get(url).status_code in (403, 404)


def test_a_bureau_administrator_sees_every_office_of_the_bureau(
    client, office, other_office, foreign_office, bureau_user
):
    _world(office), _world(other_office), _world(foreign_office)
    staff_login(client, bureau_user)
    response = client.get(reverse("admin:bookings_reservation_changelist"))
    assert response.context["cl"].result_count == 2
    offices = client.get(reverse("admin:offices_office_changelist"))
    assert offices.context["cl"].result_count == 2
    assert (
        client.get(reverse("admin:offices_office_change", args=[foreign_office.pk])).status_code
        == 404
    )


def test_choices_in_forms_are_limited_to_the_office(client, office, other_office, staff_user):
    mine, theirs = _world(office), _world(other_office)
    staff_login(client, staff_user)
    response = client.get(reverse("admin:bookings_slot_add"))
    choices = list(response.context["adminform"].form.fields["counselor"].queryset)
    assert choices == [mine["counselor"]]
    # Posting another office's counselor by hand is refused as an invalid choice.
    response = client.post(
        reverse("admin:bookings_slot_add"),
        {
            "counselor": theirs["counselor"].pk,
            "starts_at_0": "2030-01-07",
            "starts_at_1": "10:00",
        },
    )
    assert response.status_code == 200
    assert "counselor" in response.context["adminform"].form.errors


def test_list_filters_do_not_name_other_offices(client, office, other_office, staff_user):
    _world(office)
    theirs = _world(other_office)
    staff_login(client, staff_user)
    content = client.get(reverse("admin:bookings_slot_changelist")).content.decode()
    assert other_office.name not in content
    assert theirs["counselor"].display_name not in content


def test_the_audit_trail_names_the_staff_user_who_viewed_a_jobseeker(client, office, staff_user):
    jobseeker = JobseekerFactory(office=office)
    staff_login(client, staff_user)
    client.get(reverse("admin:jobseekers_jobseeker_change", args=[jobseeker.pk]))
    entry = AuditEntry.objects.get(action=AuditAction.VIEW)
    assert entry.actor == staff_user and entry.jobseeker == jobseeker


def test_a_counselor_cannot_reach_the_phone_desk_nor_edit_jobseekers(
    client, office, counselor_user
):
    mine = _world(office)
    staff_login(client, counselor_user)
    assert client.get(reverse("admin:bookings_reservation_phone_search")).status_code == 403
    phone = reverse("admin:bookings_reservation_phone", args=[mine["reservation"].pk])
    assert client.get(phone).status_code == 403
    roster = reverse("admin:jobseekers_jobseeker_roster")
    assert client.get(roster).status_code == 403
    response = client.post(
        reverse("admin:jobseekers_jobseeker_change", args=[mine["jobseeker"].pk]),
        {"family_name": "変更"},
    )
    assert response.status_code == 403


def test_reservation_fields_that_carry_rules_are_read_only(client, office, staff_user):
    mine = _world(office)
    staff_login(client, staff_user)
    url = reverse("admin:bookings_reservation_change", args=[mine["reservation"].pk])
    response = client.get(url)
    form = response.context["adminform"].form
    assert set(form.fields) == {"interpreter_language", "assistant_attends", "note"}
    assert client.get(reverse("admin:bookings_reservation_add")).status_code == 403


PLATFORM_ADMINS = {"auth", "otp_totp", "axes", "security"}


def test_every_admin_of_the_domain_uses_the_office_scope():
    from django.contrib import admin

    from offices.admin_scope import OfficeScopedAdmin

    unscoped = [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label not in PLATFORM_ADMINS
        and not isinstance(model_admin, OfficeScopedAdmin)
    ]
    assert unscoped == []
