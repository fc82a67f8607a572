"""Usage records (Art 7): written by the middleware, purged after the retention, read by one role."""

import csv
import datetime as dt
import io

import pytest
from django.contrib.auth.models import Permission
from django.test import override_settings
from django.utils import timezone

from backoffice.usage_figures import usage_figures
from bookings.models import Reservation, ReservationSource
from jobseekers.models import AuditAction, AuditEntry, UsageExport, UsageRecord
from jobseekers.tasks import usage_records_purge_task
from jobseekers.usage import classify_user_agent, clean_path, usage_record_write
from tests.factories import (
    CounselorFactory,
    JobseekerFactory,
    OfficeFactory,
    ReservationFactory,
    StaffProfileFactory,
    UserFactory,
)
from tests.helpers import staff_login

# The outcome depends on the date the suite runs at: `make test-dates` runs it at each date.
pytestmark = pytest.mark.dates

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
)
WINDOWS_EDGE = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0"
)
ANDROID_CHROME = (
    "Mozilla/5.0 (Linux; Android 14; SH-M26) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36"
)


@pytest.mark.django_db
def test_a_public_page_request_is_recorded(client):
    response = client.get(
        "/privacy/?page=2&email=a%40example.jp", HTTP_USER_AGENT=IPHONE, REMOTE_ADDR="192.0.2.10"
    )
    assert response.status_code == 200
    record = UsageRecord.objects.get()
    assert record.method == "GET"
    assert record.path == "/privacy/?page=2&email=<removed>"
    assert record.status == 200
    assert record.ip_address == "192.0.2.10"
    assert record.user_agent == IPHONE
    assert (record.device_family, record.os_family, record.browser_family) == (
        "mobile",
        "iOS",
        "Safari",
    )
    assert record.jobseeker is None
    assert abs(record.at - timezone.now()) < dt.timedelta(seconds=10)


@pytest.mark.django_db
def test_the_signed_in_jobseeker_is_recorded(client):
    jobseeker = JobseekerFactory()
    session = client.session
    session["journey_jobseeker"] = jobseeker.pk
    session.save()
    client.get("/privacy/")
    assert UsageRecord.objects.get().jobseeker == jobseeker


@pytest.mark.django_db
def test_link_tokens_and_numbers_never_reach_the_record(client):
    token = "a" * 20 + "0123456789abcdef" * 3
    client.get(f"/r/{token}/")
    client.get(f"/signin/{token}/?next=/r/{token}/")
    client.get("/33010-12345678/")
    client.get("/search/taro%40example.jp/")
    paths = sorted(UsageRecord.objects.values_list("path", flat=True))
    assert paths == [
        "/<jobseeker-number>/",
        "/r/<token>/",
        "/search/<email>/",
        "/signin/<token>/?next=<removed>",
    ]
    assert not any(token in p for p in paths)
    statuses = set(UsageRecord.objects.values_list("status", flat=True))
    assert statuses <= {200, 302, 404, 410}


@pytest.mark.django_db
def test_admin_and_static_requests_are_not_usage_records(client):
    client.get("/admin/login/")
    client.get("/static/css/site.css")
    assert not UsageRecord.objects.exists()


@pytest.mark.parametrize(
    ("path", "query", "kwargs", "expected"),
    [
        ("/book/", "", None, "/book/"),
        ("/book/date/2026-12-01/", "", {"date": "2026-12-01"}, "/book/date/2026-12-01/"),
        ("/r/XYZ/", "", {"token": "XYZ"}, "/r/<token>/"),
        ("/p/", "token=abc&lang=en", None, "/p/?token=<removed>&lang=en"),
        ("/p/", "page=<script>", None, "/p/?page=<removed>"),
        ("/x/３３０１０－１２３４５６７８/", "", None, "/x/<jobseeker-number>/"),
        ("/x/3301012345678/", "", None, "/x/<jobseeker-number>/"),
        ("/x/Ab3dEf6hIj9kLm2n/", "", None, "/x/<token>/"),
    ],
)
def test_clean_path(path, query, kwargs, expected):
    assert clean_path(path, query, kwargs) == expected


@pytest.mark.parametrize(
    ("user_agent", "families"),
    [
        (IPHONE, ("mobile", "iOS", "Safari")),
        (WINDOWS_EDGE, ("desktop", "Windows", "Edge")),
        (ANDROID_CHROME, ("mobile", "Android", "Chrome")),
        ("curl/8.5.0", ("bot", "Other", "Other")),
        ("", ("unknown", "Other", "Other")),
    ],
)
def test_user_agents_fall_into_coarse_families(user_agent, families):
    assert classify_user_agent(user_agent) == families


def _record(at, **kwargs):
    fields = {"method": "GET", "path": "/", "status": 200, "ip_address": "192.0.2.1"}
    fields.update(kwargs)
    fields.setdefault("user_agent", IPHONE)
    return usage_record_write(now=at, **fields)


@pytest.mark.django_db
def test_records_older_than_the_retention_are_purged_by_the_beat_job(time_machine):
    now = timezone.now()
    time_machine.move_to(now, tick=False)
    old = _record(now - dt.timedelta(days=365, seconds=1))
    kept = _record(now - dt.timedelta(days=364, hours=23))
    assert usage_records_purge_task() == 1
    assert list(UsageRecord.objects.all()) == [kept]
    assert not UsageRecord.objects.filter(pk=old.pk).exists()
    with override_settings(USAGE_RECORD_RETENTION_DAYS=30):
        assert usage_records_purge_task() == 1
    assert not UsageRecord.objects.exists()


# Roles: only the bureau administrator reads the usage records (Art 7).


def _office_staff(**kwargs):
    user = UserFactory()
    StaffProfileFactory(user=user, office=OfficeFactory())
    return user


def _office_staff_with_every_usage_permission():
    user = _office_staff()
    user.user_permissions.set(
        Permission.objects.filter(content_type__model__in=["usagerecord", "usageexport"])
    )
    return user


def _counselor():
    counselor = CounselorFactory()
    StaffProfileFactory(user=counselor.user, office=counselor.office)
    return counselor.user


def _staff_without_profile():
    return UserFactory()


def _bureau_administrator():
    office = OfficeFactory()
    user = UserFactory()
    StaffProfileFactory(user=user, office=None, bureau=office.bureau)
    return user


USAGE_URLS = [
    "/admin/jobseekers/usagerecord/",
    "/admin/jobseekers/usagerecord/export/",
    "/admin/jobseekers/usagerecord/figures/",
    "/admin/jobseekers/usageexport/",
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "make_user",
    [
        _office_staff,
        _office_staff_with_every_usage_permission,
        _counselor,
        _staff_without_profile,
    ],
)
@pytest.mark.parametrize("url", USAGE_URLS)
def test_every_role_but_the_bureau_administrator_is_refused(client, make_user, url):
    _record(timezone.now())
    staff_login(client, make_user())
    assert client.get(url).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("url", USAGE_URLS)
def test_jobseekers_and_anonymous_visitors_are_sent_to_the_login(client, url):
    assert client.get(url).status_code == 302
    user = UserFactory(is_staff=False)
    client.force_login(user)
    assert client.get(url).status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize("url", USAGE_URLS)
def test_the_bureau_administrator_reads_them(client, url):
    _record(timezone.now())
    staff_login(client, _bureau_administrator())
    assert client.get(url).status_code == 200


@pytest.mark.django_db
def test_usage_records_are_not_on_the_admin_index_for_office_staff(client):
    staff_login(client, _office_staff_with_every_usage_permission())
    response = client.get("/admin/")
    assert b"/admin/jobseekers/usagerecord/" not in response.content


@pytest.mark.django_db
def test_an_export_without_a_reason_is_refused_and_leaves_no_file(client):
    _record(timezone.now())
    staff_login(client, _bureau_administrator())
    today = timezone.localdate()
    response = client.post(
        "/admin/jobseekers/usagerecord/export/",
        {"since": today.isoformat(), "until": today.isoformat(), "reason": "  "},
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert not UsageExport.objects.exists()


@pytest.mark.django_db
def test_an_export_is_recorded_with_its_reason_before_the_csv_is_given(client):
    office = OfficeFactory()
    admin = UserFactory()
    StaffProfileFactory(user=admin, office=None, bureau=office.bureau)
    jobseeker = JobseekerFactory(office=office)
    now = timezone.now()
    _record(now, jobseeker_id=jobseeker.pk, user_agent="=HYPERLINK(1)")
    _record(now)
    staff_login(client, admin)
    today = timezone.localdate()
    reason = "岡山県警察からの捜査関係事項照会（令和8年第123号）"
    response = client.post(
        "/admin/jobseekers/usagerecord/export/",
        {"since": today.isoformat(), "until": today.isoformat(), "reason": reason},
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "time" and len(rows) == 3
    assert {row[-1] for row in rows[1:]} == {jobseeker.number, ""}
    # A user agent that a spreadsheet would run as a formula is defused.
    assert "'=HYPERLINK(1)" in {row[5] for row in rows[1:]}
    export = UsageExport.objects.get()
    assert (export.actor, export.reason, export.row_count) == (admin, reason, 2)
    entry = AuditEntry.objects.get(action=AuditAction.EXPORT)
    assert entry.actor == admin and entry.target == f"usage_export:{export.pk}"
    assert reason not in entry.detail


@pytest.mark.django_db
def test_figures_count_without_identifying_anyone():
    office = OfficeFactory()
    now = timezone.now()
    for _ in range(4):
        _record(now, user_agent=IPHONE)
    _record(now, user_agent=WINDOWS_EDGE)
    ReservationFactory(slot__counselor__office=office, source=ReservationSource.WEB)
    today = timezone.localdate()
    figures = usage_figures(
        records=UsageRecord.objects.all(),
        reservations=Reservation.objects.filter(office=office),
        since=today - dt.timedelta(days=1),
        until=today,
    )
    assert figures.total_requests == 5
    devices = {f.label: f.shown for f in figures.devices}
    assert devices == {"スマートフォン": "4", "パソコン": "< 3"}  # the kinds, as staff read them
    assert [(f.label, f.count) for f in figures.bookings_per_channel] == [("Web", 1)]


@pytest.mark.django_db
def test_a_nul_in_the_path_or_user_agent_is_recorded_and_breaks_nothing(client):
    # PostgreSQL text refuses NUL bytes; hypothesis found a reservation link with one.
    response = client.get("/r/ab%00cd/", HTTP_USER_AGENT="Mozilla\x00/5.0")
    assert response.status_code == 400  # a control character in a path (issue 15)
    record = UsageRecord.objects.get()
    assert record.status == 400
    assert "\x00" not in record.path + record.user_agent
    assert UsageRecord.objects.count() == 1  # the connection is still usable afterwards
