"""Issue 18: every task of docs/staff-guide.md done by clicks from the admin's home, as its role.

Each task starts at /admin/ in Chromium, signed in as the role that does it (counselor, office
staff, bureau administrator, by the groups of offices/groups.py), and is done by clicking and
typing as a person would; the outcome is asserted in the database and on the page. Clicks and
typed fields are counted; each task has a click budget (a change that adds a click fails here).
The table of the counts goes to test-artifacts/staff-tasks.md and is printed.

The pages a task passes through are photographed at 1280 px (and checked at 1024 px: nothing
wider than the window, no UTC, no JSON); with UPDATE_DOCS_IMAGES=1 those photographs replace the
staff guide's (docs/img/staff-*.png), as tests/browser/test_staff_guide.py does for the others.
"""

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from bookings.models import Reservation, ReservationStatus
from jobseekers.models import (
    Jobseeker,
    RegistrationRequest,
    RegistrationStatus,
    RosterEntry,
    UsageRecord,
)
from notifications.models import Notification, NotificationStatus
from notifications.services.outbox import invitation_queue
from offices.models import RosterOtherOffice
from tests.factories import (
    ReservationFactory,
    SlotFactory,
    StaffProfileFactory,
    TermsVersionFactory,
    UserFactory,
)

from .a11y import horizontal_overflow
from .world import admin_context

# The suite's clock at a fixed open day (Tuesday 1 December 2026, 10:00 in Tokyo): the tasks
# do not depend on the date (the sessions are placed around this instant).
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.clock("2026-12-01T10:00"),
]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
DOC_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "img"
WIDE = {"width": 1280, "height": 800}
NARROW = {"width": 1024, "height": 768}
COUNSELOR, OFFICE_STAFF, BUREAU_ADMIN = "Counselor", "Office staff", "Bureau administrator"
ROLE_NAMES = {COUNSELOR: "相談員", OFFICE_STAFF: "職員", BUREAU_ADMIN: "労働局の管理者"}

# The screenshots of the staff guide these runs take (test_staff_guide.py takes the others).
TASK_SHOTS = {
    "today",
    "session",
    "follow-up",
    "phone-search",
    "phone",
    "roster",
    "refusal",
    "notifications",
    "figures",
    "terms-version",
    "usage",
}

RESULTS: dict[str, tuple] = {}


class Task:
    """A staff task in progress: its page, and the clicks and fields it took."""

    def __init__(self, page, snap, name: str, role: str, budget: int):
        self.page, self.snap = page, snap
        self.name, self.role, self.budget = name, role, budget
        self.clicks = 0
        self.typed = 0

    def click(self, locator) -> None:
        try:
            locator.first.click()
        except Exception as error:
            # Say where the task stood: the page's address and text, not only the locator.
            text = self.page.locator("#content").inner_text(timeout=2000)[:2000]
            raise AssertionError(f"{self.name}: {self.page.url}\n{text}") from error
        self.clicks += 1

    def choose(self, locator, value) -> None:
        """A choice in a <select>: one click (opening and choosing count as one, as by keyboard)."""
        locator.first.select_option(value)
        self.clicks += 1

    def fill(self, locator, text: str) -> None:
        locator.first.fill(text)
        self.typed += 1

    def shot(self, name: str) -> None:
        """Photograph the page (1280 px; 1024 px too) and check what no staff page may show."""
        page = self.page
        expect(page.locator("#content")).to_be_visible()
        body = page.locator("#content").inner_text()
        assert "UTC" not in body, f"{self.name}/{name}: UTC on the page"
        assert not re.search(r"\{\s*\"", body), f"{self.name}/{name}: JSON on the page"
        assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:", body), f"{self.name}/{name}: ISO time"
        self.snap(page, f"{name}-1280")
        if os.environ.get("UPDATE_DOCS_IMAGES") == "1" and name in TASK_SHOTS:
            DOC_IMAGES.mkdir(parents=True, exist_ok=True)
            page.evaluate("window.scrollTo(0, 0)")  # from the page's top, heading included
            page.screenshot(path=str(DOC_IMAGES / f"staff-{name}.png"))
        page.set_viewport_size(NARROW)
        assert horizontal_overflow(page) <= 0, f"{self.name}/{name} is wider than 1024 px"
        self.snap(page, f"{name}-1024")
        page.set_viewport_size(WIDE)

    def done(self, outcome: str) -> None:
        RESULTS[self.name] = (ROLE_NAMES[self.role], self.clicks, self.typed, self.budget, outcome)
        assert self.clicks <= self.budget, (
            f"{self.name}: {self.clicks} clicks, budget {self.budget}"
        )


def _order(item) -> tuple:
    number, rest = item[0].split(" ", 1)
    return (int(re.match(r"\d+", number).group()), number, rest)


@pytest.fixture(scope="module", autouse=True)
def table():
    yield
    if not RESULTS:
        return
    lines = [
        "| task | role | clicks | typed fields | click budget | outcome |",
        "| --- | --- | ---: | ---: | ---: | --- |",
    ]
    lines += [
        f"| {name} | {role} | {clicks} | {typed} | {budget} | {outcome} |"
        for name, (role, clicks, typed, budget, outcome) in sorted(RESULTS.items(), key=_order)
    ]
    text = "# Staff tasks from the admin's home, in Chromium\n\n" + "\n".join(lines) + "\n"
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "staff-tasks.md").write_text(text, encoding="utf-8")
    print("\n" + text)  # noqa: T201


def _user(world, role: str, username: str):
    user = UserFactory(username=username)
    user.groups.add(Group.objects.get(name=role))
    if role == BUREAU_ADMIN:
        StaffProfileFactory(user=user, office=None, bureau=world.office.bureau)
    else:
        StaffProfileFactory(user=user, office=world.office)
    return user


def _counselor(world):
    user = world.counselor.user
    user.groups.add(Group.objects.get(name=COUNSELOR))
    StaffProfileFactory(user=user, office=world.office)
    return user


def _open(browser, live_url, user, snap, name, role, budget):
    context = admin_context(browser, live_url, user, viewport=WIDE)
    # The meeting's video service is the outside world: answer for it in the browser.
    context.route(
        "https://zoom.example/**",
        lambda route: route.fulfill(status=200, content_type="text/html", body="<p>meeting</p>"),
    )
    page = context.new_page()
    page.set_default_timeout(5000)
    page.goto(f"{live_url}/admin/")
    return context, Task(page, snap, name, role, budget)


def _now() -> dt.datetime:
    return timezone.now().replace(second=0, microsecond=0)


def _person(world, number: str, family="髙橋", given="りん", kana=("タカハシ", "リン"), **extra):
    return world.jobseeker(
        number=number,
        family_name=family,
        given_name=given,
        family_name_kana=kana[0],
        given_name_kana=kana[1],
        **extra,
    )


def _consultation(world, jobseeker, starts_at, **extra):
    extra.setdefault("meeting_url", "https://zoom.example/j/7777")
    return ReservationFactory(
        jobseeker=jobseeker,
        slot=SlotFactory(counselor=world.counselor, starts_at=starts_at),
        **extra,
    )


# --- The counselor ---


def test_see_the_next_consultation_and_open_its_meeting(browser, live_url, world, snap):
    later = _consultation(
        world,
        _person(world, "33010-00000002", "鈴木", "美咲", ("スズキ", "ミサキ")),
        _now() + dt.timedelta(hours=3),
    )
    soon = _consultation(world, _person(world, "33010-00000001"), _now() + dt.timedelta(minutes=20))
    context, task = _open(
        browser, live_url, _counselor(world), snap, "1 次の相談とミーティングURL", COUNSELOR, 1
    )
    page = task.page
    row = page.locator(f"#reservation-{soon.pk}")
    expect(row).to_have_class(re.compile(r"\bday-next\b"))
    expect(row).to_contain_text("髙橋 りん")
    expect(page.locator(f"#reservation-{later.pk}")).not_to_have_class(re.compile(r"\bday-next\b"))
    task.shot("today")
    with page.expect_popup() as popup:
        task.click(row.get_by_role("link", name=re.compile("ミーティングを開く")))
    meeting = popup.value
    meeting.wait_for_load_state()
    assert meeting.url == soon.meeting_url
    task.done("会議URLが新しいタブで開く")
    context.close()


def test_start_the_session(browser, live_url, world, snap):
    reservation = _consultation(
        world, _person(world, "33010-00000001"), _now() + dt.timedelta(minutes=5)
    )
    context, task = _open(browser, live_url, _counselor(world), snap, "2 相談を開始", COUNSELOR, 1)
    task.click(task.page.locator(f"#reservation-{reservation.pk} .day-action-start"))
    expect(task.page.locator(".messagelist")).to_contain_text("開始")
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.IN_SESSION
    task.done("相談中")
    context.close()


def test_end_the_session_with_its_outcome(browser, live_url, world, snap):
    starts = _now() - dt.timedelta(minutes=40)
    reservation = _consultation(
        world,
        _person(world, "33010-00000001"),
        starts,
        status=ReservationStatus.IN_SESSION,
        started_at=starts,
        interpreter_language="英語",
        note="書類を持参\n職務経歴書あり",
    )
    context, task = _open(
        browser, live_url, _counselor(world), snap, "3 相談を終了（相談結果）", COUNSELOR, 2
    )
    page = task.page
    task.click(page.locator(f"#reservation-{reservation.pk} .day-action-end"))
    expect(page.locator("#end-heading")).to_be_visible()
    task.shot("session")
    task.fill(page.locator("#end textarea[name=outcome]"), "求人票を3件紹介")
    task.click(page.locator("#end button.day-action-end"))
    expect(page.locator("#after-heading")).to_be_visible()
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.COMPLETED
    assert reservation.outcome == "求人票を3件紹介"
    task.done("終了、相談結果を記録")
    context.close()


def test_book_the_follow_up(browser, live_url, world, snap):
    starts = _now() - dt.timedelta(minutes=40)
    reservation = _consultation(
        world,
        _person(world, "33010-00000001"),
        starts,
        status=ReservationStatus.COMPLETED,
        started_at=starts,
        ended_at=starts + dt.timedelta(minutes=30),
    )
    context, task = _open(
        browser, live_url, _counselor(world), snap, "4 次回の相談を予約", COUNSELOR, 3
    )
    page = task.page
    task.click(page.locator(f"#reservation-{reservation.pk} .day-action-follow_up"))
    expect(page.locator("#own-heading")).to_be_visible()
    task.shot("follow-up")
    task.click(page.locator(".pick-times a.button"))
    expect(page.locator("#confirm-heading")).to_be_visible()
    task.click(page.locator("button.day-action"))
    expect(page.locator(".messagelist")).to_contain_text("次回の相談")
    follow_up = Reservation.objects.get(previous=reservation)
    assert follow_up.slot_id == world.slots[0].pk
    assert follow_up.status == ReservationStatus.CONFIRMED
    task.done(f"次回 {follow_up.reference} を予約")
    context.close()


def test_record_a_no_show(browser, live_url, world, snap):
    reservation = _consultation(
        world, _person(world, "33010-00000001"), _now() - dt.timedelta(minutes=11)
    )
    context, task = _open(
        browser, live_url, _counselor(world), snap, "5 無断欠席を記録", COUNSELOR, 1
    )
    task.click(task.page.locator(f"#reservation-{reservation.pk} .day-action-no_show"))
    expect(task.page.locator(".messagelist")).to_be_visible()
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.NO_SHOW
    task.done("無断キャンセル")
    context.close()


# --- Office staff ---


def test_phoned_in_cancellation_found_by_number(browser, live_url, world, snap):
    reservation = _consultation(
        world, _person(world, "33010-00000001"), world.slots[0].starts_at + dt.timedelta(days=1)
    )
    context, task = _open(
        browser,
        live_url,
        _user(world, OFFICE_STAFF, "desk"),
        snap,
        "6a 電話キャンセル（求職番号で検索）",
        OFFICE_STAFF,
        5,
    )
    page = task.page
    task.click(page.get_by_role("link", name="電話によるキャンセル・遅刻連絡"))
    task.fill(page.locator("input[name=q]"), "３３０１００００００００１")  # full-width, no dash
    task.click(page.get_by_role("button", name="検索"))
    task.shot("phone-search")
    task.click(page.get_by_role("link", name=re.compile("キャンセル・遅刻連絡")).last)
    task.shot("phone")
    task.fill(page.locator("textarea[name=reason], input[name=reason]"), "体調不良")
    task.click(page.get_by_role("button", name="キャンセル内容を確認"))
    task.click(page.get_by_role("button", name="予約をキャンセルする"))
    expect(page.locator(".messagelist")).to_be_visible()
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.CANCELLED
    task.done("キャンセル")
    context.close()


def test_phoned_in_cancellation_found_by_name_typed_another_way(browser, live_url, world, snap):
    reservation = _consultation(
        world, _person(world, "33010-00000001"), world.slots[0].starts_at + dt.timedelta(days=1)
    )
    context, task = _open(
        browser,
        live_url,
        _user(world, OFFICE_STAFF, "desk"),
        snap,
        "6b 電話キャンセル（高橋で髙橋を検索）",
        OFFICE_STAFF,
        5,
    )
    page = task.page
    task.click(page.get_by_role("link", name="電話によるキャンセル・遅刻連絡"))
    task.fill(page.locator("input[name=q]"), "高橋")
    task.click(page.get_by_role("button", name="検索"))
    expect(page.locator("#content")).to_contain_text("髙橋 りん")
    task.click(page.get_by_role("link", name=re.compile("キャンセル・遅刻連絡")).last)
    task.fill(page.locator("textarea[name=reason], input[name=reason]"), "就職が決まった")
    task.click(page.get_by_role("button", name="キャンセル内容を確認"))
    task.click(page.get_by_role("button", name="予約をキャンセルする"))
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.CANCELLED
    task.done("髙橋 りん が見つかりキャンセル")
    context.close()


def test_phoned_in_late_notice(browser, live_url, world, snap):
    reservation = _consultation(
        world, _person(world, "33010-00000001"), _now() + dt.timedelta(minutes=5)
    )
    context, task = _open(
        browser,
        live_url,
        _user(world, OFFICE_STAFF, "desk"),
        snap,
        "7 遅刻連絡を記録",
        OFFICE_STAFF,
        4,
    )
    page = task.page
    task.click(page.get_by_role("link", name="電話によるキャンセル・遅刻連絡"))
    task.fill(page.locator("input[name=q]"), "33010-00000001")
    task.click(page.get_by_role("button", name="検索"))
    task.click(page.get_by_role("link", name=re.compile("キャンセル・遅刻連絡")).last)
    task.click(page.get_by_role("button", name="遅刻連絡を記録"))
    expect(page.locator(".messagelist")).to_be_visible()
    reservation.refresh_from_db()
    assert reservation.late_notice_at is not None
    assert reservation.status == ReservationStatus.CONFIRMED
    task.done("遅刻連絡（無断欠席にならない）")
    context.close()


def test_verify_a_registration(browser, live_url, world, snap):
    jobseeker = _person(
        world,
        "33010-00000001",
        registration_status=RegistrationStatus.UNVERIFIED,
        registration_valid_until=dt.date(2026, 12, 31),
    )
    context, task = _open(
        browser,
        live_url,
        _user(world, OFFICE_STAFF, "clerk"),
        snap,
        "8 求職登録の確認",
        OFFICE_STAFF,
        4,
    )
    page = task.page
    task.click(page.get_by_role("link", name=re.compile("本日の業務")))
    task.click(page.get_by_role("link", name=re.compile("未確認の求職者")))
    task.click(page.get_by_role("link", name="登録を確認"))
    task.click(page.locator("input[type=submit].default"))
    expect(page.locator(".messagelist")).to_be_visible()
    jobseeker.refresh_from_db()
    assert jobseeker.registration_status == RegistrationStatus.VERIFIED_STAFF
    task.done("登録確認済み")
    context.close()


def _request(world, **extra):
    now = timezone.now()
    return RegistrationRequest.objects.create(
        office=world.office,
        number="33010-00000055",
        family_name="倉敷",
        given_name="花子",
        family_name_kana="クラシキ",
        given_name_kana="ハナコ",
        email="hanako@example.jp",
        created_at=now,
        received_at=now,
        **extra,
    )


def test_confirm_an_online_registration_request(browser, live_url, world, snap):
    request = _request(world)
    context, task = _open(
        browser,
        live_url,
        _user(world, OFFICE_STAFF, "clerk"),
        snap,
        "9 オンライン利用申込みを承認",
        OFFICE_STAFF,
        4,
    )
    page = task.page
    task.click(page.get_by_role("link", name=re.compile("オンライン利用申込み")))
    task.click(page.get_by_role("link", name=re.compile("承認する")))
    task.click(page.locator("input[name=method]"))
    task.fill(page.locator("input[name=valid_until]"), "2027-01-31")
    task.click(page.get_by_role("button", name=re.compile("承認")))
    expect(page.locator(".messagelist")).to_be_visible()
    request.refresh_from_db()
    jobseeker = Jobseeker.objects.get(number="33010-00000055")
    assert jobseeker.email == "hanako@example.jp"
    assert jobseeker.registration_status != RegistrationStatus.UNVERIFIED
    task.done("承認、求職者を登録確認済みで作成")
    context.close()


ROSTER = (
    "番号,氏名,有効期限\n33010-00000001,岡山 一郎,2027/03/31\n33020-00000002,倉敷 二郎,R9.3.31\n"
)


@pytest.mark.parametrize("setting", [RosterOtherOffice.WARN, RosterOtherOffice.REFUSE])
def test_import_a_roster(browser, live_url, world, snap, tmp_path, setting):
    world.office.roster_other_office = setting
    world.office.save()
    csv = tmp_path / "roster.csv"
    csv.write_text(ROSTER, encoding="utf-8")
    refuse = setting == RosterOtherOffice.REFUSE
    name = "10b 名簿の取込（他所の番号を拒否）" if refuse else "10a 名簿の取込（他所の番号は警告）"
    context, task = _open(
        browser,
        live_url,
        _user(world, OFFICE_STAFF, "clerk"),
        snap,
        name,
        OFFICE_STAFF,
        3 if not refuse else 2,
    )
    page = task.page
    task.click(page.get_by_role("link", name="名簿の取込"))
    page.locator("input[type=file]").set_input_files(str(csv))
    task.typed += 1  # the file chosen
    task.click(page.get_by_role("button", name="プレビュー"))
    content = page.locator("#content")
    expect(content).to_contain_text("2027年3月31日")  # R9.3.31 read as an era date
    if refuse:
        expect(content).to_contain_text("3行目")
        expect(page.get_by_role("button", name="この行を取り込む")).to_have_count(0)
        assert not RosterEntry.objects.exists()
        task.done("他所の番号の行（3行目）を拒否、何も取り込まない")
    else:
        expect(page.locator(".roster-warnings")).to_contain_text("33020")
        task.shot("roster")
        task.click(page.locator("input[type=submit].default"))
        expect(page.locator(".messagelist")).to_be_visible()
        assert RosterEntry.objects.filter(office=world.office).count() == 2
        task.done("警告して2行を取込")
    context.close()


def test_review_no_shows_and_suspend(browser, live_url, world, snap):
    jobseeker = _person(world, "33010-00000001", needs_review=True)
    context, task = _open(
        browser,
        live_url,
        _user(world, OFFICE_STAFF, "clerk"),
        snap,
        "11 無断欠席の確認・利用停止",
        OFFICE_STAFF,
        4,
    )
    page = task.page
    task.click(page.get_by_role("link", name=re.compile("本日の業務")))
    task.click(page.get_by_role("link", name=re.compile("無断欠席")))
    task.click(page.get_by_role("link", name="無断欠席を確認"))
    task.shot("refusal")
    task.fill(page.locator("textarea[name=reason], input[name=reason]"), "無断欠席が続いたため")
    task.click(page.get_by_role("button", name="利用を停止"))
    expect(page.locator(".messagelist")).to_be_visible()
    jobseeker.refresh_from_db()
    assert jobseeker.suspended
    task.done("利用停止")
    context.close()


def test_resend_an_unsent_invitation(browser, live_url, world, snap):
    reservation = _consultation(
        world, _person(world, "33010-00000001"), world.slots[0].starts_at + dt.timedelta(days=1)
    )
    failed = invitation_queue(reservation=reservation)
    Notification.objects.filter(pk=failed.pk).update(
        status=NotificationStatus.FAILED,
        failed_at=timezone.now(),
        last_error="Mailbox does not exist.",
    )
    context, task = _open(
        browser,
        live_url,
        _user(world, OFFICE_STAFF, "clerk"),
        snap,
        "12 招待メールの再送信",
        OFFICE_STAFF,
        4,
    )
    page = task.page
    task.click(page.locator("#content-main a[href='/admin/notifications/notification/']"))
    task.shot("notifications")
    task.click(page.locator(f"input[name=_selected_action][value='{failed.pk}']"))
    task.choose(page.locator("select[name=action]"), "resend")
    task.click(page.get_by_role("button", name="実行"))
    expect(page.locator(".messagelist")).to_be_visible()
    failed.refresh_from_db()
    assert failed.status == NotificationStatus.QUEUED
    task.done("送信待ちに戻る")
    context.close()


def test_read_the_figures(browser, live_url, world, snap):
    starts = _now() - dt.timedelta(days=7)
    _consultation(
        world,
        _person(world, "33010-00000001"),
        starts,
        status=ReservationStatus.COMPLETED,
        started_at=starts,
    )
    context, task = _open(
        browser,
        live_url,
        _user(world, OFFICE_STAFF, "clerk"),
        snap,
        "13 出席率などの数字",
        OFFICE_STAFF,
        2,
    )
    page = task.page
    task.click(page.locator("#content-main a[href='/admin/bookings/reservation/']"))
    task.click(page.get_by_role("link", name=re.compile("出席率")))
    expect(page.locator("#content table")).to_be_visible()
    task.shot("figures")
    task.done("所・週ごとの数字")
    context.close()


# --- The bureau administrator ---


def test_publish_a_terms_version(browser, live_url, world, snap):
    draft = TermsVersionFactory(
        bureau=world.office.bureau,
        label="2027-01",
        published_at=None,
        effective_from=timezone.now() + dt.timedelta(days=30),
        summary="第6条第5項：無断欠席の扱いを改めます。",
        body="第1条（目的）この規約は、オンライン職業相談の利用について定める。",
        body_en="Article 1 (Purpose) These terms govern the online job consultation.",
    )
    context, task = _open(
        browser,
        live_url,
        _user(world, BUREAU_ADMIN, "bureau"),
        snap,
        "14 利用規約の版を公開",
        BUREAU_ADMIN,
        4,
    )
    page = task.page
    task.click(page.locator("#content-main a[href='/admin/consent/termsversion/']"))
    task.click(page.get_by_role("link", name=re.compile("2027-01")))
    task.shot("terms-version")
    task.click(page.get_by_role("link", name=re.compile("プレビュー")))
    task.click(page.locator("input[type=submit].default"))
    expect(page.locator(".messagelist")).to_be_visible()
    draft.refresh_from_db()
    assert draft.published_at is not None
    task.done("公開、通知メールを送信待ちに")
    context.close()


def test_export_usage_records(browser, live_url, world, snap):
    UsageRecord.objects.create(
        at=timezone.now(),
        method="GET",
        path="/ja/",
        status=200,
        ip_address="192.0.2.1",
        user_agent="test",
    )
    context, task = _open(
        browser,
        live_url,
        _user(world, BUREAU_ADMIN, "bureau"),
        snap,
        "15 利用記録のCSV出力",
        BUREAU_ADMIN,
        3,
    )
    page = task.page
    task.click(page.get_by_role("link", name=re.compile("利用記録")).first)
    task.shot("usage")
    task.click(page.get_by_role("link", name=re.compile("CSV")))
    task.fill(page.get_by_label("開始日"), "2026-11-01")
    task.fill(page.get_by_label("終了日"), "2026-12-01")
    task.fill(
        page.locator("textarea[name=reason], input[name=reason]"), "警察からの照会（令和8年第12号）"
    )
    with page.expect_download() as download:
        task.click(page.get_by_role("button", name=re.compile("出力")))
        if page.locator(".errorlist").count():
            raise AssertionError(page.locator("#content").inner_text())
    assert download.value.suggested_filename.endswith(".csv")
    task.done("理由を記録してCSVを出力")
    context.close()


def test_read_the_usage_figures(browser, live_url, world, snap):
    UsageRecord.objects.create(
        at=timezone.now(),
        method="GET",
        path="/ja/",
        status=200,
        ip_address="192.0.2.1",
        user_agent="test",
    )
    context, task = _open(
        browser,
        live_url,
        _user(world, BUREAU_ADMIN, "bureau"),
        snap,
        "16 利用の集計を見る",
        BUREAU_ADMIN,
        2,
    )
    page = task.page
    task.click(page.get_by_role("link", name=re.compile("利用記録")).first)
    task.click(page.get_by_role("link", name=re.compile("集計")))
    expect(page.locator("#content")).to_contain_text("2026年12月1日（火）")
    task.done("日別・端末別などの数")
    context.close()
