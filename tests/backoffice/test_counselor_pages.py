"""Issue 18: the counselor's day, the reservation page, the session page and the follow-up
picker, as a counselor, as office staff, as another office's staff and another bureau's."""

import re

import pytest
from django.urls import reverse

from bookings.checklist import CHECKLIST_KEYS
from bookings.models import Reservation, ReservationSource, ReservationStatus
from jobseekers.models import AuditAction, AuditEntry
from notifications.models import NotificationKind, NotificationStatus
from notifications.services.outbox import invitation_queue
from tests.factories import (
    CounselorFactory,
    JobseekerFactory,
    ReservationFactory,
    SlotFactory,
    tokyo,
)
from tests.helpers import staff_login

from .conftest import OFFICE_STAFF, make_user

# The outcome depends on the date the suite runs at: `make test-dates` runs it at each date.
pytestmark = [pytest.mark.dates, pytest.mark.django_db]

# A Tuesday morning in Tokyo (00:50 UTC): the 10:00 consultation is 01:00 in UTC.
NOW = tokyo(2026, 12, 1, 9, 50)
UTC_TIMES = re.compile(r"\b0[0-6]:[0-5]\d\b|\+00:00|UTC")
JSON_SIGNS = re.compile(r'\{"|"secure_device"|: true|\btrue\b')


@pytest.fixture(autouse=True)
def clock(time_machine):
    time_machine.move_to(NOW, tick=False)
    return NOW


@pytest.fixture
def counselor(office, counselor_user):
    return CounselorFactory(user=counselor_user, office=office, display_name="相談員 佐藤")


def _book(counselor, starts_at, **kwargs):
    jobseeker = kwargs.pop("jobseeker", None) or JobseekerFactory(office=counselor.office)
    return ReservationFactory(
        slot=SlotFactory(counselor=counselor, starts_at=starts_at),
        jobseeker=jobseeker,
        **kwargs,
    )


@pytest.fixture
def day(counselor):
    """The counselor's Tuesday: one held at 9:00, the next at 10:00, one at 14:00."""
    held = _book(
        counselor,
        tokyo(2026, 12, 1, 9),
        status=ReservationStatus.COMPLETED,
        started_at=tokyo(2026, 12, 1, 9),
        ended_at=tokyo(2026, 12, 1, 9, 28),
    )
    next_one = _book(
        counselor,
        tokyo(2026, 12, 1, 10),
        jobseeker=JobseekerFactory(
            office=counselor.office,
            family_name="髙橋",
            given_name="りん",
            family_name_kana="タカハシ",
            given_name_kana="リン",
            number="33010-00012345",
        ),
        interpreter_language="英語",
        note="一行目\n二行目",
        environment_checklist=dict.fromkeys(CHECKLIST_KEYS, True),
        meeting_url="https://zoom.example/j/4242",
        late_notice_at=tokyo(2026, 12, 1, 9, 40),
    )
    afternoon = _book(counselor, tokyo(2026, 12, 1, 14))
    return {"held": held, "next": next_one, "afternoon": afternoon}


def _text(response) -> str:
    return response.content.decode()


def _visible(html: str) -> str:
    """The page's text as read: no tags, no inline SVG, no attributes."""
    html = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def _assert_no_utc_no_json(html: str) -> None:
    text = _visible(html)
    assert not UTC_TIMES.search(text), UTC_TIMES.search(text).group(0)
    assert not JSON_SIGNS.search(text), JSON_SIGNS.search(text).group(0)


# The counselor's day -------------------------------------------------------------------


def test_a_counselor_lands_on_their_day_and_staff_keep_the_index(client, counselor, staff_user):
    staff_login(client, counselor.user)
    home = client.get(reverse("admin:index"))
    assert home.status_code == 302
    assert home["Location"] == reverse("admin:bookings_reservation_today")
    assert client.get(reverse("admin:index") + "?index=1").status_code == 200
    staff_login(client, staff_user)
    index = client.get(reverse("admin:index"))
    assert index.status_code == 200
    assert reverse("admin:bookings_reservation_today") in _text(index)


def test_the_day_lists_the_consultations_with_what_to_do_next(client, counselor, day):
    staff_login(client, counselor.user)
    page = client.get(reverse("admin:bookings_reservation_today"))
    assert page.status_code == 200
    html = _text(page)
    text = _visible(html)
    # In order, in Japan time, with the person's name in kanji and kana and their number.
    assert text.index("09:00〜09:30") < text.index("10:00〜10:30") < text.index("14:00〜14:30")
    assert "髙橋 りん" in text and "タカハシ リン" in text and "33010-00012345" in text
    assert "2026年12月1日（火）" in text
    assert "通訳：英語" in text and "一行目<br>二行目" in html
    assert "遅刻連絡あり（2026年12月1日（火）09:40）" in text
    # The next consultation is highlighted; its one button starts it (from 9:45).
    rows = re.findall(r'<li class="day-item([^"]*)"[^>]*id="reservation-(\d+)"', html)
    highlighted = [int(pk) for classes, pk in rows if "day-next" in classes]
    assert highlighted == [day["next"].pk]
    section = html[html.index(f'id="reservation-{day["next"].pk}"') :]
    section = section[: section.index("</li>")]
    assert 'name="action" value="start"' in section
    assert 'href="https://zoom.example/j/4242" target="_blank" rel="noopener noreferrer"' in section
    # 14:00 cannot be started yet: no start button, the time from which it can.
    section = html[html.index(f'id="reservation-{day["afternoon"].pk}"') :]
    section = section[: section.index("</li>")]
    assert 'value="start"' not in section
    assert "13:45から開始可" in section
    # The one held at 9:00: book the follow-up.
    section = html[html.index(f'id="reservation-{day["held"].pk}"') :]
    section = section[: section.index("</li>")]
    assert reverse("admin:bookings_reservation_follow_up", args=[day["held"].pk]) in section
    _assert_no_utc_no_json(html)


def test_the_day_switches_to_another_day(client, counselor, day):
    tomorrow = _book(counselor, tokyo(2026, 12, 2, 10))
    staff_login(client, counselor.user)
    url = reverse("admin:bookings_reservation_today")
    page = client.get(url + "?date=2026-12-02")
    text = _visible(_text(page))
    assert page.status_code == 200
    assert "2026年12月2日（水）" in text and tomorrow.jobseeker.number in text
    assert day["next"].jobseeker.number not in text
    assert client.get(url + "?date=nonsense").status_code == 400


def test_office_staff_see_every_counselor_of_their_office_only(
    client, staff_user, counselor, day, other_office, foreign_office
):
    elsewhere = _book(CounselorFactory(office=other_office), tokyo(2026, 12, 1, 10))
    abroad = _book(CounselorFactory(office=foreign_office), tokyo(2026, 12, 1, 11))
    staff_login(client, staff_user)
    text = _visible(_text(client.get(reverse("admin:bookings_reservation_today"))))
    assert day["next"].jobseeker.number in text and "相談員 佐藤" in text
    assert elsewhere.jobseeker.number not in text
    assert abroad.jobseeker.number not in text


@pytest.mark.parametrize("who", ["other_office", "foreign_office"])
def test_another_offices_staff_get_404_on_every_page_of_a_reservation(client, day, who, request):
    office = request.getfixturevalue(who)
    stranger = make_user(OFFICE_STAFF, office=office)
    staff_login(client, stranger)
    pk = day["next"].pk
    for name in ("session", "change", "follow_up"):
        url = reverse(f"admin:bookings_reservation_{name}", args=[pk])
        assert client.get(url).status_code == 404, name
        assert client.post(url, {"action": "start"}).status_code == 404, name
    Reservation.objects.get(pk=pk, status=ReservationStatus.CONFIRMED)
    text = _visible(_text(client.get(reverse("admin:bookings_reservation_today"))))
    assert day["next"].jobseeker.number not in text


def test_a_no_show_is_recorded_from_the_day_only_once_due(client, counselor, time_machine):
    missed = _book(counselor, tokyo(2026, 12, 1, 9, 30))
    staff_login(client, counselor.user)
    day_url = reverse("admin:bookings_reservation_today")
    session_url = reverse("admin:bookings_reservation_session", args=[missed.pk])
    time_machine.move_to(tokyo(2026, 12, 1, 9, 35), tick=False)
    staff_login(client, counselor.user)
    assert 'value="no_show"' not in _text(client.get(day_url))
    refused = client.post(session_url, {"action": "no_show"})
    assert refused.status_code == 400
    missed.refresh_from_db()
    assert missed.status == ReservationStatus.CONFIRMED
    time_machine.move_to(NOW, tick=False)
    staff_login(client, counselor.user)
    assert 'value="no_show"' in _text(client.get(day_url))
    done = client.post(session_url, {"action": "no_show", "next": day_url})
    assert done.status_code == 302 and done["Location"] == day_url
    missed.refresh_from_db()
    assert missed.status == ReservationStatus.NO_SHOW
    assert AuditEntry.objects.filter(
        action=AuditAction.NO_SHOW, actor=counselor.user, target=f"reservation:{missed.pk}"
    ).exists()


# The reservation page ------------------------------------------------------------------


def test_the_reservation_page_reads_as_a_summary_with_the_checklist_and_history(
    client, staff_user, counselor, day
):
    reservation = day["next"]
    notification = invitation_queue(reservation=reservation)
    notification.status = NotificationStatus.SENT
    notification.sent_at = tokyo(2026, 11, 28, 12, 1)
    notification.save()
    staff_login(client, staff_user)
    url = reverse("admin:bookings_reservation_change", args=[reservation.pk])
    page = client.get(url)
    assert page.status_code == 200
    html = _text(page)
    text = _visible(html)
    assert "髙橋 りん" in text and "タカハシ リン" in text and "33010-00012345" in text
    assert "2026年12月1日（火）10:00〜10:30" in text
    # The checklist as the sentences the jobseeker confirmed, not JSON.
    assert "利用環境" in text and "secure_device" not in html
    # The history: booked, the invitation sent (12:01 JST), the late notice.
    assert "招待メールを送信" in text and "2026年11月28日（土）12:01" in text
    assert "遅刻連絡" in text
    # Only the editable fields, the note as a textarea.
    assert re.search(r'<textarea[^>]*name="note"', html)
    assert 'name="slot"' not in html and 'name="status"' not in html
    _assert_no_utc_no_json(html)
    saved = client.post(
        url, {"note": "メモ\n二行", "interpreter_language": "英語", "assistant_attends": "on"}
    )
    assert saved.status_code == 302
    reservation.refresh_from_db()
    assert reservation.note == "メモ\n二行" and reservation.assistant_attends
    assert reservation.status == ReservationStatus.CONFIRMED


@pytest.mark.parametrize("role", ["counselor", "staff_user", "bureau_user"])
def test_each_page_opens_for_the_roles_of_the_office_and_its_bureau(client, day, role, request):
    user = request.getfixturevalue(role)
    user = user.user if role == "counselor" else user
    staff_login(client, user)
    held, upcoming = day["held"], day["next"]
    pages = [
        reverse("admin:bookings_reservation_today"),
        reverse("admin:bookings_reservation_change", args=[upcoming.pk]),
        reverse("admin:bookings_reservation_session", args=[upcoming.pk]),
        reverse("admin:bookings_reservation_follow_up", args=[held.pk]),
    ]
    for url in pages:
        page = client.get(url)
        assert page.status_code == 200, url
        html = _text(page)
        assert upcoming.jobseeker.full_name in html or held.jobseeker.full_name in html, url
        _assert_no_utc_no_json(html)


# The session page ----------------------------------------------------------------------


def test_the_session_page_shows_the_summary_and_never_offers_an_early_start(client, counselor, day):
    staff_login(client, counselor.user)
    url = reverse("admin:bookings_reservation_session", args=[day["afternoon"].pk])
    html = _text(client.get(url))
    assert 'value="start"' not in html
    assert "13:45" in _visible(html)  # why not, and from when
    refused = client.post(url, {"action": "start"})
    assert refused.status_code == 400
    day["afternoon"].refresh_from_db()
    assert day["afternoon"].status == ReservationStatus.CONFIRMED
    page = client.get(reverse("admin:bookings_reservation_session", args=[day["next"].pk]))
    html = _text(page)
    text = _visible(html)
    assert 'value="start"' in html
    assert "髙橋 りん" in text and "33010-00012345" in text
    assert 'href="https://zoom.example/j/4242" target="_blank"' in html
    assert "一行目<br>二行目" in html
    _assert_no_utc_no_json(html)


def test_a_session_run_start_end_follow_up_outcome(client, counselor, day):
    """The counselor's consultation from the session page, with the follow-up booked in two
    requests (pick a time, confirm)."""
    reservation = day["next"]
    free = [
        SlotFactory(counselor=counselor, starts_at=tokyo(2026, 12, 3, 10)),
        SlotFactory(counselor=counselor, starts_at=tokyo(2026, 12, 3, 10, 30)),
        SlotFactory(counselor=counselor, starts_at=tokyo(2026, 12, 8, 13)),
    ]
    staff_login(client, counselor.user)
    url = reverse("admin:bookings_reservation_session", args=[reservation.pk])
    assert client.post(url, {"action": "start"}).status_code == 302
    assert client.post(url, {"action": "end", "outcome": ""}).status_code == 302
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.COMPLETED
    html = _text(client.get(url))
    follow_up = reverse("admin:bookings_reservation_follow_up", args=[reservation.pk])
    assert follow_up in html
    # The picker: the counselor's next times first, then the days, each with its times.
    picker = client.get(follow_up)
    html = _text(picker)
    assert picker.status_code == 200
    assert html.count('type="radio"') == 0
    assert f"?slot={free[0].pk}" in html
    assert "12月3日（木）" in html and "12月8日（火）" in html
    by_day = _text(client.get(follow_up + "?day=2026-12-08"))
    assert f"?slot={free[2].pk}&amp;day=2026-12-08" in by_day
    # Click one: the confirmation. Click two: booked.
    confirm = client.get(follow_up + f"?slot={free[2].pk}")
    assert confirm.status_code == 200
    html = _text(confirm)
    assert "2026年12月8日（火）13:00〜13:30" in _visible(html)
    assert f'name="slot" value="{free[2].pk}"' in html
    booked = client.post(
        follow_up,
        {"slot": free[2].pk, "interpreter_language": "英語", "note": ""},
    )
    assert booked.status_code == 302
    follow = Reservation.objects.get(slot=free[2])
    assert follow.source == ReservationSource.IN_SESSION and follow.previous == reservation
    assert follow.notifications.filter(kind=NotificationKind.INVITATION).exists()
    # The outcome, noted last.
    assert client.post(url, {"action": "outcome", "outcome": "次回は書類を確認"}).status_code == 302
    reservation.refresh_from_db()
    assert reservation.outcome == "次回は書類を確認"
    page = _text(client.get(url))
    assert "2026年12月8日（火）13:00〜13:30" in _visible(page)
    _assert_no_utc_no_json(page)


def test_the_follow_up_picker_refuses_a_time_that_is_not_free(client, counselor, day):
    reservation = day["held"]
    taken = _book(counselor, tokyo(2026, 12, 3, 10))
    staff_login(client, counselor.user)
    url = reverse("admin:bookings_reservation_follow_up", args=[reservation.pk])
    for bad in (str(taken.slot.pk), "abc", "999999"):
        page = client.get(url + f"?slot={bad}")
        assert page.status_code == 400
        assert "この時間は空いていません" in _text(page)
    assert client.get(url + "?day=not-a-day").status_code == 200
    assert not Reservation.objects.filter(previous=reservation).exists()


def test_the_follow_up_picker_is_404_for_another_bureau(client, day, foreign_office):
    stranger = make_user(OFFICE_STAFF, office=foreign_office)
    staff_login(client, stranger)
    url = reverse("admin:bookings_reservation_follow_up", args=[day["held"].pk])
    assert client.get(url).status_code == 404
    assert client.get(url + f"?slot={day['afternoon'].slot.pk}").status_code == 404
