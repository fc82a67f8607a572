"""Issue 18: names found as staff type them (phone desk, jobseekers and reservations admin),
the office's choice to refuse another office's numbers in a roster, and the reservation list's
columns."""

import importlib
from pathlib import Path

import pytest
from django.apps import apps as global_apps
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from bookings.models import ReservationStatus
from jobseekers.models import Jobseeker, RosterEntry
from jobseekers.selectors import jobseekers_search
from offices.models import RosterOtherOffice
from tests.factories import JobseekerFactory, ReservationFactory, SlotFactory, tokyo
from tests.helpers import staff_login

from .conftest import OFFICE_STAFF, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


@pytest.fixture
def rin(office):
    return JobseekerFactory(
        office=office,
        family_name="髙橋",
        given_name="りん",
        family_name_kana="タカハシ",
        given_name_kana="リン",
    )


@pytest.mark.parametrize(
    "typed",
    [
        "高橋",
        "髙橋",
        "高橋りん",
        "高橋 りん",
        "高橋\u3000リン",
        "たかはし",
        "ﾀｶﾊｼ ﾘﾝ",
        "タカハシリン",
        "はし り",
    ],
)
def test_a_name_is_found_however_staff_type_it(rin, typed):
    assert connection.vendor == "postgresql"
    found = jobseekers_search(queryset=Jobseeker.objects.all(), term=typed)
    assert list(found) == [rin]


def test_a_different_name_is_not_found(rin):
    for typed in ("高田", "斎藤", "|", "タカハシ|リン"):
        assert not jobseekers_search(queryset=Jobseeker.objects.all(), term=typed).exists()


def test_the_key_follows_a_change_of_name(rin):
    rin.family_name = "渡邊"
    rin.family_name_kana = "ワタナベ"
    rin.save(update_fields=["family_name", "family_name_kana"])
    rin.refresh_from_db()
    assert rin.name_key == "渡辺リン|ワタナベリン"
    assert list(jobseekers_search(queryset=Jobseeker.objects.all(), term="渡辺")) == [rin]
    assert not jobseekers_search(queryset=Jobseeker.objects.all(), term="高橋").exists()


def test_the_data_migration_fills_the_key_of_every_jobseeker(rin):
    Jobseeker.objects.filter(pk=rin.pk).update(name_key="")
    migration = importlib.import_module("jobseekers.migrations.0007_name_key")
    migration.fill_name_keys(global_apps, None)
    rin.refresh_from_db()
    assert rin.name_key == "高橋リン|タカハシリン"


def test_the_phone_desk_finds_a_kanji_variant(client, office, rin):
    staff_login(client, make_user(OFFICE_STAFF, office=office))
    page = client.get(reverse("admin:bookings_reservation_phone_search"), {"q": "高橋"})
    assert page.status_code == 200
    assert rin.number in page.content.decode()
    assert [jobseeker for jobseeker, _ in page.context["results"]] == [rin]


def test_the_jobseekers_and_reservations_lists_find_a_kanji_variant(client, office, rin):
    staff_login(client, make_user(OFFICE_STAFF, office=office))
    other = JobseekerFactory(office=office, family_name="高田", family_name_kana="タカダ")
    page = client.get(reverse("admin:jobseekers_jobseeker_changelist"), {"q": "高橋 リン"})
    assert list(page.context["cl"].result_list) == [rin]
    mine = ReservationFactory(slot=SlotFactory(office=office), jobseeker=rin)
    ReservationFactory(slot=SlotFactory(office=office), jobseeker=other)
    page = client.get(reverse("admin:bookings_reservation_changelist"), {"q": "たかはし"})
    assert list(page.context["cl"].result_list) == [mine]


# --- Roster: numbers of another office ---


def _preview(client, office, rows):
    upload = SimpleUploadedFile("roster.csv", "\n".join(rows).encode(), content_type="text/csv")
    return client.post(
        reverse("admin:jobseekers_jobseeker_roster"),
        {"action": "preview", "office": office.pk, "file": upload},
    )


@pytest.mark.clock("2026-12-01T10:00")
def test_a_roster_warns_of_another_offices_number_by_default(client, office):
    staff_login(client, make_user(OFFICE_STAFF, office=office))
    assert office.roster_other_office == RosterOtherOffice.WARN
    own = f"{office.registration_code}-00000001"
    response = _preview(
        client,
        office,
        ["番号,氏名,有効期限", f"{own},岡山 一郎,2027/03/31", "33020-00000002,倉敷 二郎,R9.3.31"],
    )
    preview = response.context["preview"]
    assert preview.ok
    assert preview.rows[1].warnings and not preview.rows[1].errors
    client.post(
        reverse("admin:jobseekers_jobseeker_roster"),
        {"action": "import", "token": response.context["token"]},
    )
    assert RosterEntry.objects.filter(office=office).count() == 2


@pytest.mark.clock("2026-12-01T10:00")
def test_an_office_that_refuses_another_offices_numbers_imports_nothing(client, office):
    office.roster_other_office = RosterOtherOffice.REFUSE
    office.save()
    staff_login(client, make_user(OFFICE_STAFF, office=office))
    own = f"{office.registration_code}-00000001"
    response = _preview(
        client,
        office,
        ["番号,氏名,有効期限", f"{own},岡山 一郎,2027/03/31", "33020-00000002,倉敷 二郎,R9.3.31"],
    )
    assert response.status_code == 400
    preview = response.context["preview"]
    assert not preview.ok and not response.context["token"]
    assert preview.rows[0].ok
    (error,) = preview.rows[1].errors
    # The line as the file shows it (the header is line 1), the number and the two codes.
    assert "3行目" in error and "33020-00000002" in error and office.registration_code in error
    assert error in response.content.decode()
    assert not RosterEntry.objects.exists()


def test_the_import_service_refuses_again_naming_the_lines(office, staff_user):
    from jobseekers.roster import RosterError, roster_import

    office.roster_other_office = RosterOtherOffice.REFUSE
    office.save()
    rows = [[2, [f"{office.registration_code}-00000001", "岡山 一郎", "2030/03/31"]]]
    rows.append([3, ["33020-00000002", "倉敷 二郎", "2030/03/31"]])
    with pytest.raises(RosterError) as refused:
        roster_import(
            rows=rows, office=office, actor=staff_user, jobseekers=Jobseeker.objects.all()
        )
    assert "3" in str(refused.value.message)
    assert not RosterEntry.objects.exists()


# --- The reservation list ---


@pytest.mark.clock("2026-12-01T09:00")
def test_the_reservation_list_names_the_jobseeker_and_offers_no_session_on_cancelled_rows(
    client, office, rin
):
    staff_login(client, make_user(OFFICE_STAFF, office=office))
    booked = ReservationFactory(
        slot=SlotFactory(office=office, starts_at=tokyo(2026, 12, 1, 10)), jobseeker=rin
    )
    cancelled = ReservationFactory(
        slot=SlotFactory(office=office, starts_at=tokyo(2026, 12, 1, 11)),
        jobseeker=rin,
        status=ReservationStatus.CANCELLED,
        cancelled_at=tokyo(2026, 11, 30, 10),
    )
    missed = ReservationFactory(
        slot=SlotFactory(office=office, starts_at=tokyo(2026, 12, 1, 9)),
        jobseeker=rin,
        status=ReservationStatus.NO_SHOW,
    )
    html = client.get(reverse("admin:bookings_reservation_changelist")).content.decode()
    assert "髙橋 りん" in html and "タカハシ リン" in html and rin.number in html
    assert f'<span class="reference">{booked.reference}</span>' in html
    session = "admin:bookings_reservation_session"
    assert reverse(session, args=[booked.pk]) in html
    assert reverse(session, args=[cancelled.pk]) not in html
    assert reverse(session, args=[missed.pk]) not in html
    # The reference keeps to one line wherever it is shown.
    assert "css/admin-site.css" in html
    css = Path(finders.find("css/admin-site.css")).read_text(encoding="utf-8")
    assert ".reference {\n    white-space: nowrap;" in css


def test_registration_requests_are_found_by_a_kanji_variant(office):
    from jobseekers.models import RegistrationRequest

    request = RegistrationRequest.objects.create(
        office=office,
        number=f"{office.registration_code}-00000009",
        family_name="髙橋",
        given_name="りん",
        family_name_kana="タカハシ",
        given_name_kana="リン",
        email="rin@example.jp",
        created_at=tokyo(2026, 6, 1, 10),
        received_at=tokyo(2026, 6, 1, 10),
    )
    for typed in ("高橋", "たかはし りん"):
        found = jobseekers_search(queryset=RegistrationRequest.objects.all(), term=typed)
        assert list(found) == [request]
    assert not jobseekers_search(queryset=RegistrationRequest.objects.all(), term="高田").exists()
