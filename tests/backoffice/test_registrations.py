"""Registrations: verifying one jobseeker, and the roster import (all rows or none)."""

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from bookings.errors import BookingError
from jobseekers.models import AuditAction, AuditEntry, Jobseeker, RegistrationStatus, RosterEntry
from jobseekers.roster import RosterError, roster_decode, roster_import, roster_preview
from jobseekers.services import jobseeker_verify
from jobseekers.signin import sign_in_redeem, sign_in_request_first_visit
from tests.factories import JobseekerFactory, OfficeFactory, tokyo
from tests.helpers import staff_login

from .conftest import COUNSELOR, make_user

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 1)
NOW = tokyo(2026, 12, 1, 9)


@pytest.fixture
def now(time_machine):
    time_machine.move_to(NOW, tick=False)
    return NOW


@pytest.fixture
def registered(office):
    return JobseekerFactory(
        office=office,
        number="33010-00012345",
        family_name="岡山",
        given_name="太郎",
        family_name_kana="オカヤマ",
        given_name_kana="タロウ",
        registration_status=RegistrationStatus.UNVERIFIED,
        registration_valid_until=None,
    )


def _own(office):
    """The jobseekers office staff of `office` read (their scope)."""
    return Jobseeker.objects.filter(office=office)


GOOD = "求職番号,氏名,有効期限\r\n３３０１０ー１２３４５,岡山　太郎,2027/01/31\r\n33010-99999999,倉敷 花子,2027-02-28\r\n"


def test_verifying_sets_the_date_and_audits(office, registered, staff_user, now):
    jobseeker_verify(jobseeker=registered, actor=staff_user, valid_until=dt.date(2027, 3, 31))
    registered.refresh_from_db()
    assert registered.registration_status == RegistrationStatus.VERIFIED_STAFF
    assert registered.registration_valid_until == dt.date(2027, 3, 31)
    assert registered.verified_by == staff_user
    assert AuditEntry.objects.get(action=AuditAction.VERIFY).actor == staff_user
    with pytest.raises(BookingError):
        jobseeker_verify(jobseeker=registered, actor=staff_user, valid_until=dt.date(2026, 11, 30))


def test_the_verify_page_and_action(client, office, registered, staff_user, now):
    staff_login(client, staff_user)
    url = reverse("admin:jobseekers_jobseeker_verify", args=[registered.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["form"].initial["valid_until"] == dt.date(2027, 2, 28)
    assert client.post(url, {"valid_until": "not a date"}).status_code == 400
    assert client.post(url, {"valid_until": "2020-01-01"}).status_code == 400
    assert client.post(url, {"valid_until": "2027-01-31"}).status_code == 302
    registered.refresh_from_db()
    assert registered.registration_valid_until == dt.date(2027, 1, 31)
    other = JobseekerFactory(office=OfficeFactory())
    assert (
        client.get(reverse("admin:jobseekers_jobseeker_verify", args=[other.pk])).status_code == 404
    )
    unverified = JobseekerFactory(office=office, registration_status=RegistrationStatus.UNVERIFIED)
    response = client.post(
        reverse("admin:jobseekers_jobseeker_changelist"),
        {"action": "verify", "_selected_action": [unverified.pk, other.pk]},
    )
    assert response.status_code == 302
    unverified.refresh_from_db(), other.refresh_from_db()
    assert unverified.is_verified
    assert unverified.registration_valid_until == dt.date(2027, 2, 28)


def test_a_good_roster_in_utf8_with_a_bom(office, registered, staff_user, now):
    data = GOOD.encode("utf-8-sig")
    preview = roster_preview(data=data, office=office, today=TODAY, jobseekers=_own(office))
    assert preview.ok and preview.encoding == "utf-8-sig"
    assert [row.number for row in preview.rows] == ["33010-00012345", "33010-99999999"]
    assert preview.matched_count == 1
    roster_import(
        rows=[row.cells for row in preview.rows],
        office=office,
        actor=staff_user,
        jobseekers=_own(office),
    )
    registered.refresh_from_db()
    assert registered.registration_status == RegistrationStatus.VERIFIED_ROSTER
    assert registered.registration_valid_until == dt.date(2027, 1, 31)
    assert RosterEntry.objects.count() == 2
    # Importing the same file again changes nothing more.
    roster_import(
        rows=[row.cells for row in preview.rows],
        office=office,
        actor=staff_user,
        jobseekers=_own(office),
    )
    assert RosterEntry.objects.count() == 2


def test_a_roster_in_shift_jis_cp932_as_excel_writes_it(office, registered, now):
    data = GOOD.replace("岡山　太郎", "岡山　髙太郎").encode("cp932")
    registered.given_name = "髙太郎"
    registered.save()
    preview = roster_preview(data=data, office=office, today=TODAY, jobseekers=_own(office))
    assert preview.encoding == "cp932"
    assert preview.ok, [row.errors for row in preview.rows]
    assert preview.rows[0].name == "岡山 髙太郎"


def test_utf8_without_a_bom_and_kana_names(office, registered, now):
    data = "33010-12345,おかやま たろう,2027年1月31日\n".encode()
    preview = roster_preview(data=data, office=office, today=TODAY, jobseekers=_own(office))
    assert preview.ok and preview.rows[0].jobseeker_id == registered.pk


def test_bad_rows_are_listed_and_nothing_is_imported(office, registered, staff_user, now):
    other = JobseekerFactory(office=OfficeFactory(), number="33020-00000001")
    text = (
        "33010-12345,岡山 太郎,2027/01/31\n"  # good
        "3301-12345,誰か,2027/01/31\n"  # malformed number
        "33010-777,山田 一郎,2027/02/30\n"  # no such date
        "33010-777,山田 一郎,2027/02/28\n"  # duplicate of the row above
        "33010-12345x,x,2027/01/31\n"  # letters in the number
        f"{other.number},{other.full_name},2027/01/31\n"  # another office's jobseeker
        "33010-00012345,別人 名前,2027/01/31\n"  # name does not match, and duplicate
        "33010-55555,過去 さん,2026/11/30\n"  # ended already
        "33010-66666,列が多い,2027/01/31,余分\n"  # too many columns
        "33010-88888,,2027/01/31\n"  # no name
    )
    # A bureau administrator's scope: both offices of the bureau are seen.
    preview = roster_preview(
        data=text.encode(), office=office, today=TODAY, jobseekers=Jobseeker.objects.all()
    )
    assert not preview.ok
    bad = {row.line: row.errors for row in preview.rows if row.errors}
    assert set(bad) == {2, 3, 4, 5, 6, 7, 8, 9, 10}
    assert preview.rows[0].ok
    with pytest.raises(RosterError):
        roster_import(
            rows=[row.cells for row in preview.rows],
            office=office,
            actor=staff_user,
            jobseekers=_own(office),
        )
    registered.refresh_from_db()
    assert registered.registration_status == RegistrationStatus.UNVERIFIED
    assert not RosterEntry.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"   \r\n",
        b"PK\x03\x04\x00\x00binary xlsx",
        "33010-12345,岡山 太郎,2027/01/31\n".encode("utf-16"),
        b"\x81\x81\xff\xfe\xfd broken",
        b"a" * (2 * 1024 * 1024 + 10),
    ],
)
def test_files_that_are_not_readable_csv_are_refused(office, data, now):
    preview = roster_preview(data=data, office=office, today=TODAY, jobseekers=_own(office))
    assert not preview.ok and preview.file_errors


def test_decoding_prefers_utf8_and_falls_back_to_cp932():
    assert roster_decode("岡山".encode())[1] == "utf-8-sig"
    assert roster_decode("岡山".encode("cp932"))[1] == "cp932"


def _upload(content: bytes, name="roster.csv"):
    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_the_roster_pages_preview_then_import(client, office, registered, staff_user, now):
    staff_login(client, staff_user)
    url = reverse("admin:jobseekers_jobseeker_roster")
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"action": "preview", "office": office.pk, "file": _upload(GOOD.encode("cp932"))}
    )
    assert response.status_code == 200
    assert response.context["preview"].ok
    token = response.context["token"]
    assert not RosterEntry.objects.exists()
    assert client.post(url, {"action": "import", "token": "forged"}).status_code == 302
    assert not RosterEntry.objects.exists()
    response = client.post(url, {"action": "import", "token": token})
    assert response.status_code == 302
    assert RosterEntry.objects.count() == 2
    registered.refresh_from_db()
    assert registered.registration_status == RegistrationStatus.VERIFIED_ROSTER
    # The token is spent: a second submit imports nothing more and does not fail.
    assert client.post(url, {"action": "import", "token": token}).status_code == 302


def test_the_roster_page_shows_row_errors_and_refuses_other_offices(
    client, office, registered, staff_user, now
):
    staff_login(client, staff_user)
    url = reverse("admin:jobseekers_jobseeker_roster")
    bad = "33010-12345,岡山 太郎,2027/01/31\n1-2-3,x,y\n".encode()
    response = client.post(url, {"action": "preview", "office": office.pk, "file": _upload(bad)})
    assert response.status_code == 400
    assert not response.context["preview"].ok and not response.context["token"]
    assert "errorlist" in response.content.decode()
    elsewhere = OfficeFactory()
    response = client.post(
        url, {"action": "preview", "office": elsewhere.pk, "file": _upload(GOOD.encode())}
    )
    assert response.status_code == 400 and "office" in response.context["form"].errors
    assert client.post(url, {"action": "preview"}).status_code == 400
    assert client.post(url, {"action": "import"}).status_code == 302
    assert not RosterEntry.objects.exists()
    assert (
        Jobseeker.objects.get(pk=registered.pk).registration_status == RegistrationStatus.UNVERIFIED
    )


def test_a_counselor_cannot_import(client, office, now):
    staff_login(client, make_user(COUNSELOR, office=office))
    assert client.get(reverse("admin:jobseekers_jobseeker_roster")).status_code == 403


def test_jobseeker_search_accepts_numbers_typed_any_way(client, office, registered, staff_user):
    staff_login(client, staff_user)
    url = reverse("admin:jobseekers_jobseeker_changelist")
    for q in [
        "３３０１０－１２３４５",
        "3301000012345",
        "33010 00012345",
        "オカヤマ",
        "おかやま",
        "岡山太郎",
    ]:
        response = client.get(url, {"q": q})
        assert response.status_code == 200
        assert response.context["cl"].result_count == 1, q
    for q in ["12", "%", "' OR 1=1 --", "x" * 300]:
        assert client.get(url, {"q": q}).status_code == 200


def test_a_jobseeker_on_an_imported_roster_is_verified_at_the_first_visit(
    office, staff_user, now, mailoutbox
):
    number = f"{office.registration_code}-00000077"
    roster_import(
        rows=[
            [number, "山田 花子", "2027/03/31"],
            [f"{office.registration_code}-78", "別 人", "2027/03/31"],
        ],
        office=office,
        actor=staff_user,
        jobseekers=_own(office),
    )
    sign_in_request_first_visit(
        number=number,
        family_name="山田",
        given_name="花子",
        family_name_kana="ヤマダ",
        given_name_kana="ハナコ",
        email="hanako@example.jp",
        now=NOW,
    )
    token = re.search(r"/signin/([^/\s]+)/", mailoutbox[-1].body).group(1)
    jobseeker = sign_in_redeem(token=token, now=NOW)
    assert jobseeker.registration_status == RegistrationStatus.VERIFIED_ROSTER
    assert jobseeker.registration_valid_until == dt.date(2027, 3, 31)
