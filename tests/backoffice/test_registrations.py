"""Registrations: verifying one jobseeker, and the roster import (all rows or none)."""

import datetime as dt

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from core.errors import DomainError
from jobseekers.models import (
    AuditAction,
    AuditEntry,
    Jobseeker,
    RegistrationRequest,
    RegistrationStatus,
    RequestDecision,
    RequestStatus,
    RosterEntry,
)
from jobseekers.registrations import (
    RequestDecided,
    RequestOfAnotherOffice,
    registration_data_purge,
    registration_request_confirm,
    registration_request_reject,
)
from jobseekers.roster import RosterError, roster_decode, roster_import, roster_preview
from jobseekers.services import jobseeker_verify
from jobseekers.signin import sign_in_redeem, sign_in_request_first_visit
from notifications.models import Notification, NotificationKind
from tests.factories import JobseekerFactory, OfficeFactory, tokyo
from tests.helpers import send_queued, sign_in_client, sign_in_token, staff_login

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
    with pytest.raises(DomainError):
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
        rows=[(row.line, row.cells) for row in preview.rows],
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
        rows=[(row.line, row.cells) for row in preview.rows],
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
            rows=[(row.line, row.cells) for row in preview.rows],
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


# --- First visits: the roster's address signs in; anything else is a request for staff ---


def _first_visit(number, *, email="hanako@example.jp", kana=("ヤマダ", "ハナコ"), now=NOW):
    sign_in_request_first_visit(
        number=number,
        family_name="山田",
        given_name="花子",
        family_name_kana=kana[0],
        given_name_kana=kana[1],
        email=email,
        now=now,
    )
    return sign_in_redeem(token=sign_in_token(now=now), now=now)


def test_a_roster_row_with_the_address_lets_its_first_visit_sign_in(office, staff_user, now):
    number = f"{office.registration_code}-00000077"
    roster_import(
        rows=list(
            enumerate(
                [
                    [number, "山田 花子", "2027/03/31", "Hanako@example.jp"],
                    [f"{office.registration_code}-78", "別 人", "2027/03/31"],
                ],
                start=1,
            )
        ),
        office=office,
        actor=staff_user,
        jobseekers=_own(office),
    )
    assert RosterEntry.objects.get(number=number).email == "Hanako@example.jp"
    jobseeker = _first_visit(number, email="hanako@EXAMPLE.jp").jobseeker
    assert jobseeker is not None and jobseeker.number == number
    assert jobseeker.registration_status == RegistrationStatus.VERIFIED_ROSTER
    assert jobseeker.registration_valid_until == dt.date(2027, 3, 31)
    assert jobseeker.email == "Hanako@example.jp"
    assert not RegistrationRequest.objects.exists()


def test_a_roster_row_vouches_for_a_registration_not_for_who_typed_its_number(
    office, staff_user, now
):
    """Without the roster's address, its number and name are only advice for staff."""
    number = f"{office.registration_code}-00000077"
    roster_import(
        rows=list(enumerate([[number, "山田 花子", "2027/03/31"]], start=1)),
        office=office,
        actor=staff_user,
        jobseekers=_own(office),
    )
    redeemed = _first_visit(number, email="someone@example.jp")
    assert redeemed.jobseeker is None
    assert not Jobseeker.objects.filter(number=number).exists()
    assert redeemed.request.status == RequestStatus.PENDING
    roster_import(
        rows=list(enumerate([[number, "山田 花子", "2027/03/31", "owner@example.jp"]], start=1)),
        office=office,
        actor=staff_user,
        jobseekers=_own(office),
    )
    assert _first_visit(number, email="someone@example.jp").jobseeker is None


def test_a_roster_address_replaces_a_registered_jobseekers_and_ends_their_journeys(
    office, registered, staff_user, now
):
    client = sign_in_client(Client(), registered, signed_in_at=NOW.timestamp())
    later = NOW + dt.timedelta(minutes=1)
    roster_import(
        rows=list(
            enumerate([[registered.number, "岡山 太郎", "2027/01/31", "new@example.jp"]], start=1)
        ),
        office=office,
        actor=staff_user,
        jobseekers=_own(office),
        now=later,
    )
    registered.refresh_from_db()
    assert (registered.email, registered.email_bound_at) == ("new@example.jp", later)
    assert registered.email_verified_at is None
    assert AuditEntry.objects.filter(
        jobseeker=registered, detail="roster import: email address"
    ).exists()
    assert client.get("/book/").status_code == 302  # signed out: the address is not theirs


def test_a_roster_email_must_be_an_address(office, now):
    preview = roster_preview(
        data=b"33010-12345,x y,2027/01/31,not-an-address\n",
        office=office,
        today=TODAY,
        jobseekers=_own(office),
    )
    assert not preview.ok
    assert preview.rows[0].errors == ["メールアドレスが正しくありません。"]


# --- Registration requests: staff confirm or decline ---


@pytest.fixture
def request_of(office):
    def make(email="owner@example.jp", number=None, **extra):
        fields = {
            "office": office,
            "number": number or f"{office.registration_code}-00000055",
            "family_name": "倉敷",
            "given_name": "花子",
            "family_name_kana": "クラシキ",
            "given_name_kana": "ハナコ",
            "email": email,
            "created_at": NOW,
            "received_at": NOW,
            **extra,
        }
        return RegistrationRequest.objects.create(**fields)

    return make


def test_confirming_a_request_creates_the_verified_record_and_emails_it(
    office, staff_user, request_of, now, django_capture_on_commit_callbacks
):
    mine, squatter = request_of(), request_of(email="squatter@example.jp")
    jobseeker = registration_request_confirm(
        request=mine, actor=staff_user, method=RequestDecision.PHONE, now=NOW
    )
    assert (jobseeker.number, jobseeker.email, jobseeker.office) == (
        mine.number,
        "owner@example.jp",
        office,
    )
    assert jobseeker.registration_status == RegistrationStatus.VERIFIED_STAFF
    assert jobseeker.registration_valid_until == dt.date(2027, 2, 28)
    assert jobseeker.email_bound_at == NOW and jobseeker.verified_by == staff_user
    mine.refresh_from_db(), squatter.refresh_from_db()
    assert (mine.status, mine.decision, mine.jobseeker) == (
        RequestStatus.CONFIRMED,
        RequestDecision.PHONE,
        jobseeker,
    )
    assert (squatter.status, squatter.decision) == (
        RequestStatus.REJECTED,
        RequestDecision.SUPERSEDED,
    )
    entry = AuditEntry.objects.get(action=AuditAction.REQUEST_CONFIRM)
    assert entry.actor == staff_user and "owner" not in entry.detail
    # The jobseeker is told they can book, in their language, from their office.
    notification = Notification.objects.get(kind=NotificationKind.REGISTERED)
    assert notification.jobseeker == jobseeker
    send_queued(now=NOW)
    message = mail.outbox[-1]
    assert message.to == ["owner@example.jp"]
    assert "/identify/returning/" in message.body and office.phone in message.body
    assert message.reply_to == [office.email]
    with pytest.raises(RequestDecided):
        registration_request_confirm(request=mine, actor=staff_user, method="phone", now=NOW)


def test_confirming_a_request_for_a_record_binds_its_address_and_keeps_its_names(
    office, registered, staff_user, request_of, now
):
    request = request_of(number=registered.number, email="moved@example.jp")
    jobseeker = registration_request_confirm(
        request=request,
        actor=staff_user,
        method=RequestDecision.IN_PERSON,
        valid_until=dt.date(2027, 1, 31),
        now=NOW,
    )
    assert jobseeker.pk == registered.pk
    registered.refresh_from_db()
    assert registered.email == "moved@example.jp" and registered.family_name == "岡山"
    assert registered.registration_valid_until == dt.date(2027, 1, 31)


def test_a_request_for_another_offices_record_is_not_confirmed_here(
    office, other_office, staff_user, request_of, now
):
    elsewhere = JobseekerFactory(office=other_office, number=f"{office.registration_code}-00000056")
    request = request_of(number=elsewhere.number)
    with pytest.raises(RequestOfAnotherOffice):
        registration_request_confirm(request=request, actor=staff_user, method="phone", now=NOW)
    request.refresh_from_db()
    assert request.status == RequestStatus.PENDING


def test_declining_a_request_changes_nothing_else(office, registered, staff_user, request_of, now):
    request = request_of(number=registered.number, email="attacker@example.jp")
    registration_request_reject(
        request=request, actor=staff_user, reason=RequestDecision.NOT_CONFIRMED, now=NOW
    )
    request.refresh_from_db()
    assert (request.status, request.decided_by) == (RequestStatus.REJECTED, staff_user)
    registered.refresh_from_db()
    assert registered.email != "attacker@example.jp"
    with pytest.raises(DomainError):
        registration_request_reject(request=request, actor=staff_user, reason="not_registered")


def test_the_request_pages_confirm_and_decline(client, office, staff_user, request_of, now):
    staff_login(client, staff_user)
    first, second = (
        request_of(),
        request_of(email="other@example.jp", number=f"{office.registration_code}-00000057"),
    )
    listing = client.get(reverse("admin:jobseekers_registrationrequest_changelist"))
    assert listing.status_code == 200 and listing.context["cl"].result_count == 2
    change = client.get(reverse("admin:jobseekers_registrationrequest_change", args=[first.pk]))
    assert change.status_code == 200
    confirm = reverse("admin:jobseekers_registrationrequest_confirm", args=[first.pk])
    assert f'href="{confirm}"' in change.content.decode()
    page = client.get(confirm)
    assert page.status_code == 200
    assert page.context["form"].initial["valid_until"] == dt.date(2027, 2, 28)
    assert (
        client.post(confirm, {"method": "guessed", "valid_until": "2027-02-28"}).status_code == 400
    )
    assert client.post(confirm, {"method": "phone", "valid_until": "2020-01-01"}).status_code == 400
    response = client.post(confirm, {"method": "phone", "valid_until": "2027-02-28"})
    assert response.status_code == 302
    first.refresh_from_db()
    assert response["Location"] == reverse(
        "admin:jobseekers_jobseeker_change", args=[first.jobseeker_id]
    )
    # A decided request is not decided again.
    assert client.post(confirm, {"method": "phone", "valid_until": "2027-02-28"}).status_code == 302
    reject = reverse("admin:jobseekers_registrationrequest_reject", args=[second.pk])
    assert client.get(reject).status_code == 200
    assert client.post(reject, {"reason": "superseded"}).status_code == 400
    assert client.post(reject, {"reason": "not_registered"}).status_code == 302
    second.refresh_from_db()
    assert second.status == RequestStatus.REJECTED
    # Looking at a request is in the audit trail (Art 9).
    assert AuditEntry.objects.filter(
        action=AuditAction.VIEW, target=f"registration_request:{first.pk}"
    ).exists()


def test_requests_are_seen_only_by_their_office_and_not_by_counselors(
    client, office, other_office, request_of, now
):
    elsewhere = RegistrationRequest.objects.create(
        office=other_office,
        number=f"{other_office.registration_code}-00000001",
        family_name="他",
        given_name="所",
        family_name_kana="タ",
        given_name_kana="ショ",
        email="x@example.jp",
        created_at=NOW,
        received_at=NOW,
    )
    mine = request_of()
    staff_login(client, make_user("Office staff", office=office))
    listing = client.get(reverse("admin:jobseekers_registrationrequest_changelist"))
    assert list(listing.context["cl"].queryset) == [mine]
    for name in ("change", "confirm", "reject"):
        url = reverse(f"admin:jobseekers_registrationrequest_{name}", args=[elsewhere.pk])
        assert client.get(url).status_code == 404, name
    assert (
        client.post(
            reverse("admin:jobseekers_registrationrequest_confirm", args=[elsewhere.pk]),
            {"method": "phone", "valid_until": "2027-02-28"},
        ).status_code
        == 404
    )
    counselor = Client()
    staff_login(counselor, make_user(COUNSELOR, office=office))
    assert (
        counselor.get(reverse("admin:jobseekers_registrationrequest_changelist")).status_code == 403
    )
    assert (
        counselor.get(
            reverse("admin:jobseekers_registrationrequest_confirm", args=[mine.pk])
        ).status_code
        == 403
    )


def test_requests_sign_in_links_and_their_emails_are_deleted_after_retention(
    office, request_of, staff_user, settings, now
):
    settings.REGISTRATION_REQUEST_RETENTION_DAYS = 30
    settings.SIGN_IN_RETENTION_DAYS = 7
    old = request_of(email="old@example.jp", received_at=NOW - dt.timedelta(days=31))
    fresh = request_of(email="fresh@example.jp")
    decided = request_of(email="decided@example.jp", number=f"{office.registration_code}-00000058")
    registration_request_reject(
        request=decided, actor=staff_user, reason="not_registered", now=NOW - dt.timedelta(days=31)
    )
    _first_visit(f"{office.registration_code}-00000059", now=NOW - dt.timedelta(days=8))
    assert Notification.objects.filter(kind=NotificationKind.REGISTRATION_LINK).exists()
    done = registration_data_purge(now=NOW)
    left = set(RegistrationRequest.objects.values_list("pk", flat=True))
    assert fresh.pk in left and old.pk not in left and decided.pk not in left
    assert not Notification.objects.filter(kind=NotificationKind.REGISTRATION_LINK).exists()
    assert done["requests"] == 2 and done["sign_in_tokens"] >= 1


def test_rows_are_numbered_as_the_file_shows_them(office, now):
    """The header is line 1 and a blank line still counts: the preview points at what staff
    see in their editor or in Excel (issue 18.7)."""
    text = "求職番号,氏名,有効期限\n33010-11111,一 さん,2027/01/31\n\n33010-2x,二 さん,2027/01/31\n"
    preview = roster_preview(
        data=text.encode(), office=office, today=TODAY, jobseekers=_own(office)
    )
    assert [row.line for row in preview.rows] == [2, 4]
    assert preview.rows[1].errors and preview.rows[0].ok


@pytest.mark.parametrize(
    "typed",
    [
        "R9.3.31",
        "令和9年3月31日",
        "Ｒ９．３．３１",
        "2027/3/31",
        "20270331",
        "令和9年3月31日（水）",
    ],
)
def test_japanese_era_dates_are_read(office, now, typed):
    preview = roster_preview(
        data=f"33010-11111,一 さん,{typed}\n".encode(),
        office=office,
        today=TODAY,
        jobseekers=_own(office),
    )
    assert preview.ok, preview.rows[0].errors
    assert preview.rows[0].valid_until == dt.date(2027, 3, 31)
    assert preview.rows[0].valid_until_label == "2027年3月31日（水）"


def test_an_impossible_era_date_says_why(office, now):
    preview = roster_preview(
        data="33010-11111,一 さん,H31.5.1\n".encode(),
        office=office,
        today=TODAY,
        jobseekers=_own(office),
    )
    assert "平成" in " ".join(preview.rows[0].errors)


def test_a_number_of_another_office_is_flagged(office, now):
    other = "33999" if office.registration_code != "33999" else "33998"
    preview = roster_preview(
        data=f"{other}-00000001,倉敷 さん,2027/01/31\n".encode(),
        office=office,
        today=TODAY,
        jobseekers=_own(office),
    )
    (row,) = preview.rows
    assert row.warnings and other in row.warnings[0] and office.registration_code in row.warnings[0]
    own = roster_preview(
        data=f"{office.registration_code}-00000001,岡山 さん,2027/01/31\n".encode(),
        office=office,
        today=TODAY,
        jobseekers=_own(office),
    )
    assert not own.rows[0].warnings
