"""The offices' models moved from `bookings` to `offices` (issue 17) without losing anything.

A database at the migrations `main` had before the move, with data in it (a bureau, an office,
its closed day, staff with group and user permissions, an admin log entry, a jobseeker, a slot,
a reservation, an invitation, terms and a consent), is migrated forward: every row is still
there, the foreign keys still resolve, the staff keep their permissions under the new app
label, and no content type is left stale. On PostgreSQL, as in production.
"""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from bookings.models import Reservation, Slot
from consent.models import Consent, TermsVersion
from jobseekers.models import Jobseeker
from notifications.models import Notification
from offices.groups import OFFICE_STAFF
from offices.models import Bureau, Office, OfficeClosedDay, StaffProfile

pytestmark = pytest.mark.postgres

# The leaf migrations of `main` before the move.
BEFORE = [
    ("bookings", "0005_staff_groups"),
    ("jobseekers", "0004_registration_requests"),
    ("consent", "0002_terms_published_immutable"),
    ("notifications", "0004_notification_resends"),
    ("offices", None),
]
MOVED = ["bureau", "office", "officeclosedday", "staffprofile"]
AT = dt.datetime(2027, 1, 13, 1, 0, tzinfo=dt.UTC)


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


def _leaves():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


def _populate(apps) -> dict:
    """Rows written through the models as they were before the move."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentTypeThen = apps.get_model("contenttypes", "ContentType")
    LogEntry = apps.get_model("admin", "LogEntry")
    User = apps.get_model("auth", "User")
    BureauThen = apps.get_model("bookings", "Bureau")
    OfficeThen = apps.get_model("bookings", "Office")

    bureau = BureauThen.objects.create(code="okayama", name="岡山労働局", name_en="Okayama")
    office = OfficeThen.objects.create(
        bureau=bureau, code="okayama-chuo", registration_code="33010", name="中央", phone="0"
    )
    closed = apps.get_model("bookings", "OfficeClosedDay").objects.create(
        office=office, date=dt.date(2027, 2, 1), reason="研修"
    )
    staff = User.objects.create(username="staff", is_staff=True, password="!")
    profile = apps.get_model("bookings", "StaffProfile").objects.create(
        user=staff, office=office, bureau=bureau
    )
    staff.groups.add(Group.objects.get(name="Office staff"))
    office_ct = ContentTypeThen.objects.get(app_label="bookings", model="office")
    # A grant made by hand to one user, beside the group's.
    staff.user_permissions.add(
        Permission.objects.get(content_type=office_ct, codename="change_office")
    )
    entry = LogEntry.objects.create(
        action_time=AT,
        user=staff,
        content_type=office_ct,
        object_id=str(office.pk),
        object_repr="中央",
        action_flag=2,
        change_message="[]",
    )
    counselor_user = User.objects.create(username="counselor", is_staff=True, password="!")
    counselor = apps.get_model("bookings", "Counselor").objects.create(
        user=counselor_user, office=office, display_name="相談員"
    )
    slot = apps.get_model("bookings", "Slot").objects.create(
        counselor=counselor, office=office, starts_at=AT, ends_at=AT + dt.timedelta(minutes=30)
    )
    jobseeker = apps.get_model("jobseekers", "Jobseeker").objects.create(
        number="33010-00000001",
        family_name="山田",
        given_name="花子",
        email="hanako@example.jp",
        office=office,
        registration_status="verified_staff",
        registration_valid_until=dt.date(2099, 12, 31),
    )
    reservation = apps.get_model("bookings", "Reservation").objects.create(
        reference="ABC234",
        jobseeker=jobseeker,
        slot=slot,
        office=office,
        starts_at=AT,
        source="web",
        meeting_url="https://zoom.example/j/1",
        access_nonce="n",
        access_token_hash="h",
    )
    notification = apps.get_model("notifications", "Notification").objects.create(
        kind="invitation",
        reservation=reservation,
        jobseeker=jobseeker,
        recipient="hanako@example.jp",
        idempotency_key=f"invitation:{reservation.pk}:0",
        queued_at=AT,
    )
    terms = apps.get_model("consent", "TermsVersion").objects.create(
        bureau=bureau, label="v1", body="規約", effective_from=AT, published_at=AT
    )
    consent = apps.get_model("consent", "Consent").objects.create(
        jobseeker=jobseeker, terms_version=terms, given_at=AT, channel="web"
    )
    return {
        "bureau": bureau.pk,
        "office": office.pk,
        "closed": closed.pk,
        "staff": staff.pk,
        "profile": profile.pk,
        "entry": entry.pk,
        "office_ct": office_ct.pk,
        "slot": slot.pk,
        "jobseeker": jobseeker.pk,
        "reservation": reservation.pk,
        "notification": notification.pk,
        "terms": terms.pk,
        "consent": consent.pk,
    }


@pytest.mark.django_db(transaction=True)
def test_a_populated_database_of_main_reaches_the_new_state_with_nothing_lost():
    leaves = _leaves()
    changed = {app for app, _ in BEFORE}
    before = [node for node in leaves if node[0] not in changed] + BEFORE
    executor = _migrate(before)
    try:
        state = executor.loader.project_state([node for node in before if node[1]], at_end=True)
        ids = _populate(state.apps)
        _migrate(leaves)
    finally:
        _migrate(_leaves())  # the test database ends migrated whatever happened
    ContentType.objects.clear_cache()

    # Every row is there, through the models as they are now.
    office = Office.objects.get(pk=ids["office"])
    assert office.bureau == Bureau.objects.get(pk=ids["bureau"])
    assert OfficeClosedDay.objects.get(pk=ids["closed"]).office == office
    profile = StaffProfile.objects.get(pk=ids["profile"])
    assert (profile.office, profile.bureau_id, profile.user_id) == (
        office,
        ids["bureau"],
        ids["staff"],
    )
    assert Slot.objects.get(pk=ids["slot"]).office == office
    reservation = Reservation.objects.get(pk=ids["reservation"])
    assert (reservation.office, reservation.jobseeker_id) == (office, ids["jobseeker"])
    assert Jobseeker.objects.get(pk=ids["jobseeker"]).office == office
    assert Notification.objects.get(pk=ids["notification"]).reservation == reservation
    terms = TermsVersion.objects.get(pk=ids["terms"])
    assert terms.bureau_id == ids["bureau"]
    assert Consent.objects.get(pk=ids["consent"]).terms_version == terms

    # The content type kept its id under the new label: grants and log entries follow it.
    office_ct = ContentType.objects.get_for_model(Office)
    assert (office_ct.pk, office_ct.app_label) == (ids["office_ct"], "offices")
    from django.contrib.admin.models import LogEntry

    assert LogEntry.objects.get(pk=ids["entry"]).get_edited_object() == office
    staff = get_user_model().objects.get(pk=ids["staff"])
    for codename in OFFICE_STAFF["offices"]:
        assert staff.has_perm(f"offices.{codename}"), codename
    for codename in OFFICE_STAFF["bookings"]:
        assert staff.has_perm(f"bookings.{codename}"), codename
    assert staff.has_perm("offices.change_office")  # the user's own grant
    assert not staff.has_perm("bookings.view_office")

    # No content type is left stale, and none of the moved models is still under bookings.
    assert not ContentType.objects.filter(app_label="bookings", model__in=MOVED).exists()
    stale = [
        (ct.app_label, ct.model)
        for ct in ContentType.objects.filter(
            app_label__in=["offices", "bookings", "jobseekers", "consent", "notifications"]
        )
        if ct.model_class() is None
    ]
    assert stale == []


@pytest.mark.django_db
def test_a_bookmark_of_an_old_admin_page_leads_to_the_new_one(client):
    response = client.get("/admin/bookings/office/3/change/?_changelist_filters=q%3Dx")
    assert response.status_code == 302
    assert response["Location"] == "/admin/offices/office/3/change/?_changelist_filters=q%3Dx"
    assert client.get("/admin/bookings/reservation/").status_code == 302  # the admin's login
    assert client.get("/admin/bookings/reservation/")["Location"].startswith("/admin/login/")
