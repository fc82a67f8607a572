"""Schedules: slots from weekly patterns, the beat job, blocking; the day and week view."""

import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse

from backoffice.admin import bookings as bookings_admin
from bookings.errors import SlotHasReservation, SlotOverlap
from bookings.models import ReservationStatus, Slot, SlotStatus
from bookings.services.slots import slot_block, slot_unblock, slots_fill_horizon, slots_generate
from bookings.tasks import slots_fill_horizon_task
from core.calendar import TOKYO
from notifications.models import NotificationKind, NotificationStatus
from offices.models import OfficeClosedDay, StaffProfile
from tests.factories import (
    CounselorFactory,
    JobseekerFactory,
    ReservationFactory,
    SlotFactory,
    WeeklyAvailabilityFactory,
    tokyo,
)
from tests.helpers import staff_login

from .conftest import COUNSELOR, make_user

pytestmark = pytest.mark.django_db

EARLY = tokyo(2026, 1, 1, 9)


def _every_weekday(counselor, start=dt.time(9, 0), end=dt.time(10, 0)):
    for weekday in range(7):
        WeeklyAvailabilityFactory(
            counselor=counselor, weekday=weekday, start_time=start, end_time=end
        )


def _days(counselor):
    return sorted({s.starts_at.astimezone(TOKYO).date() for s in counselor.slots.all()})


def test_a_week_with_a_national_holiday_and_a_substitute_holiday():
    counselor = CounselorFactory()
    _every_weekday(counselor)
    # 2026-05-04 Mon みどりの日, 05-05 Tue こどもの日, 05-06 Wed 振替休日 (for Sunday 3 May).
    created = slots_generate(
        counselor=counselor,
        start_date=dt.date(2026, 5, 3),
        end_date=dt.date(2026, 5, 10),
        now=EARLY,
    )
    assert _days(counselor) == [dt.date(2026, 5, 7), dt.date(2026, 5, 8)]
    assert created == 4  # two 30-minute slots from 9:00 to 10:00 on each open day
    starts = [s.starts_at.astimezone(TOKYO).time() for s in counselor.slots.order_by("starts_at")]
    assert starts[:2] == [dt.time(9, 0), dt.time(9, 30)]
    assert all(s.ends_at - s.starts_at == dt.timedelta(minutes=30) for s in counselor.slots.all())


def test_a_monday_holiday_week():
    counselor = CounselorFactory()
    _every_weekday(counselor)
    # 2026-11-23 Mon 勤労感謝の日.
    slots_generate(
        counselor=counselor,
        start_date=dt.date(2026, 11, 23),
        end_date=dt.date(2026, 11, 29),
        now=EARLY,
    )
    assert _days(counselor) == [dt.date(2026, 11, d) for d in (24, 25, 26, 27)]


def test_across_the_year_end_closure_and_an_office_closed_day():
    counselor = CounselorFactory()
    _every_weekday(counselor)
    OfficeClosedDay.objects.create(office=counselor.office, date=dt.date(2027, 1, 5), reason="研修")
    slots_generate(
        counselor=counselor,
        start_date=dt.date(2026, 12, 25),
        end_date=dt.date(2027, 1, 12),
        now=EARLY,
    )
    # Closed: weekends, 29 Dec – 3 Jan, the office's 5 Jan, 11 Jan 成人の日.
    assert _days(counselor) == [
        dt.date(2026, 12, 25),
        dt.date(2026, 12, 28),
        dt.date(2027, 1, 4),
        dt.date(2027, 1, 6),
        dt.date(2027, 1, 7),
        dt.date(2027, 1, 8),
        dt.date(2027, 1, 12),
    ]


def test_generation_is_idempotent_and_never_overlaps_an_existing_slot():
    counselor = CounselorFactory()
    WeeklyAvailabilityFactory(
        counselor=counselor, weekday=0, start_time=dt.time(9, 0), end_time=dt.time(11, 0)
    )
    # A slot made by hand at 9:15 takes the 9:00 and 9:30 places.
    SlotFactory(counselor=counselor, starts_at=tokyo(2026, 6, 1, 9, 15))
    first = slots_generate(
        counselor=counselor, start_date=dt.date(2026, 6, 1), end_date=dt.date(2026, 6, 1), now=EARLY
    )
    again = slots_generate(
        counselor=counselor, start_date=dt.date(2026, 6, 1), end_date=dt.date(2026, 6, 1), now=EARLY
    )
    assert (first, again) == (2, 0)
    times = [
        s.starts_at.astimezone(TOKYO).strftime("%H:%M")
        for s in counselor.slots.order_by("starts_at")
    ]
    assert times == ["09:15", "10:00", "10:30"]


def test_the_beat_job_keeps_the_horizon_filled(time_machine):
    time_machine.move_to(tokyo(2026, 6, 1, 6), tick=False)
    counselor = CounselorFactory()
    WeeklyAvailabilityFactory(counselor=counselor, weekday=2)  # Wednesdays 9–12
    inactive = CounselorFactory(office=counselor.office, is_active=False)
    WeeklyAvailabilityFactory(counselor=inactive, weekday=2)
    assert (
        settings.CELERY_BEAT_SCHEDULE["slots-fill-horizon"]["task"] == "bookings.slots_fill_horizon"
    )
    created = slots_fill_horizon_task()
    # Horizon 4 weeks + 1 week margin: five Wednesdays of 6 slots.
    assert created == 30
    assert slots_fill_horizon() == 0
    assert not inactive.slots.exists()


def test_a_counselor_generates_slots_from_the_admin(client):
    counselor = CounselorFactory()
    WeeklyAvailabilityFactory(counselor=counselor, weekday=0)
    WeeklyAvailabilityFactory(counselor=counselor, weekday=3)
    user = make_user(COUNSELOR, office=counselor.office)
    staff_login(client, user)
    url = reverse("admin:bookings_counselor_changelist")
    data = {"action": "generate_slots", "_selected_action": [counselor.pk]}
    response = client.post(url, data)
    assert response.status_code == 200
    assert "weeks" in response.context["form"].fields
    response = client.post(url, {**data, "apply": "1", "weeks": "0"})
    assert response.status_code == 200 and response.context["form"].errors
    assert not Slot.objects.exists()
    response = client.post(url, {**data, "apply": "1", "weeks": "2"})
    assert response.status_code == 302
    assert Slot.objects.filter(counselor=counselor).count() > 0


def test_block_and_unblock_and_a_reserved_slot_is_refused():
    free = SlotFactory()
    reserved = ReservationFactory().slot
    slot_block(slot=free, reason="会議")
    free.refresh_from_db()
    assert (free.status, free.blocked_reason) == (SlotStatus.BLOCKED, "会議")
    slot_unblock(slot=free)
    free.refresh_from_db()
    assert free.status == SlotStatus.OPEN
    with pytest.raises(SlotHasReservation):
        slot_block(slot=reserved)


def test_the_block_action_reports_slots_with_a_reservation(client):
    counselor = CounselorFactory()
    free = SlotFactory(counselor=counselor, starts_at=tokyo(2030, 1, 7, 9))
    reserved = ReservationFactory(
        slot=SlotFactory(counselor=counselor, starts_at=tokyo(2030, 1, 7, 10))
    ).slot
    staff_login(client, make_user(COUNSELOR, office=counselor.office))
    response = client.post(
        reverse("admin:bookings_slot_changelist"),
        {"action": "block", "_selected_action": [free.pk, reserved.pk]},
        follow=True,
    )
    text = response.content.decode()
    assert response.status_code == 200
    free.refresh_from_db(), reserved.refresh_from_db()
    assert free.status == SlotStatus.BLOCKED
    assert reserved.status == SlotStatus.OPEN
    assert "予約" in text  # the warning asks for the reservation to be handled first


def test_a_slot_added_by_hand_on_a_holiday_is_refused_with_a_message(client):
    counselor = CounselorFactory()
    staff_login(client, make_user(COUNSELOR, office=counselor.office))
    response = client.post(
        reverse("admin:bookings_slot_add"),
        {"counselor": counselor.pk, "starts_at_0": "2030-01-02", "starts_at_1": "10:00"},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors()
    response = client.post(
        reverse("admin:bookings_slot_add"),
        {"counselor": counselor.pk, "starts_at_0": "2030-01-07", "starts_at_1": "10:00"},
    )
    assert response.status_code == 302
    slot = Slot.objects.get()
    assert slot.office == counselor.office
    assert slot.ends_at - slot.starts_at == dt.timedelta(minutes=30)


def test_the_day_view_shows_reservation_flags_invitation_and_start_button(client, time_machine):
    time_machine.move_to(tokyo(2026, 12, 1, 8), tick=False)
    counselor = CounselorFactory()
    user = counselor.user
    user.groups.add(*make_user(COUNSELOR, office=counselor.office).groups.all())
    StaffProfile.objects.create(user=user, office=counselor.office, bureau=counselor.office.bureau)
    reservation = ReservationFactory(
        slot=SlotFactory(counselor=counselor, starts_at=tokyo(2026, 12, 1, 10)),
        jobseeker=JobseekerFactory(office=counselor.office, family_name="岡山"),
        interpreter_language="ベトナム語",
        assistant_attends=True,
    )
    reservation.notifications.create(
        kind=NotificationKind.INVITATION,
        recipient="x@example.jp",
        idempotency_key="i",
        queued_at=tokyo(2026, 11, 30, 9),
        status=NotificationStatus.FAILED,
    )
    SlotFactory(counselor=counselor, starts_at=tokyo(2026, 12, 1, 11), status=SlotStatus.BLOCKED)
    other = CounselorFactory(office=counselor.office)
    SlotFactory(counselor=other, starts_at=tokyo(2026, 12, 1, 10))
    staff_login(client, user)
    response = client.get(reverse("admin:bookings_slot_day"))
    assert response.status_code == 200
    text = response.content.decode()
    assert 'value="2026-12-01"' in text  # the date field names the day shown
    (day,) = response.context["schedule"]
    assert len(day["entry"].slots) == 2  # the counselor's own day by default
    assert "ベトナム語" in text and reservation.reference in text
    assert "失敗" in text  # the invitation failed: staff see it
    session = reverse("admin:bookings_reservation_session", args=[reservation.pk])
    # Two hours before: no start button yet, but the time from which it can be started.
    assert f'action="{session}"' not in text
    assert "9:45" in text
    refused = client.post(session, {"action": "start"})
    assert refused.status_code == 400
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.CONFIRMED
    time_machine.move_to(tokyo(2026, 12, 1, 9, 50), tick=False)
    staff_login(client, user)  # (the idle session ended meanwhile)
    response = client.get(reverse("admin:bookings_slot_day"))
    text = response.content.decode()
    assert f'action="{session}"' in text
    response = client.post(
        session, {"action": "start", "next": response.wsgi_request.get_full_path()}
    )
    assert response.status_code == 302 and response.url.startswith(
        reverse("admin:bookings_slot_day")
    )
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.IN_SESSION
    text = client.get(reverse("admin:bookings_slot_day")).content.decode()
    assert reverse("admin:bookings_reservation_follow_up", args=[reservation.pk]) in text


def test_the_week_view_offers_no_start_nor_follow_up_outside_their_day(client, time_machine):
    time_machine.move_to(tokyo(2026, 12, 2, 10, 5), tick=False)  # Wednesday
    counselor = CounselorFactory()
    user = counselor.user
    user.groups.add(*make_user(COUNSELOR, office=counselor.office).groups.all())
    StaffProfile.objects.create(user=user, office=counselor.office, bureau=counselor.office.bureau)
    left_open = ReservationFactory(  # yesterday's session nobody ended
        slot=SlotFactory(counselor=counselor, starts_at=tokyo(2026, 12, 1, 10)),
        jobseeker=JobseekerFactory(office=counselor.office),
        status=ReservationStatus.IN_SESSION,
        started_at=tokyo(2026, 12, 1, 10),
    )
    today = ReservationFactory(
        slot=SlotFactory(counselor=counselor, starts_at=tokyo(2026, 12, 2, 10)),
        jobseeker=JobseekerFactory(office=counselor.office),
        status=ReservationStatus.IN_SESSION,
        started_at=tokyo(2026, 12, 2, 10),
    )
    tomorrow = ReservationFactory(
        slot=SlotFactory(counselor=counselor, starts_at=tokyo(2026, 12, 3, 10)),
        jobseeker=JobseekerFactory(office=counselor.office),
    )
    staff_login(client, user)
    text = client.get(reverse("admin:bookings_slot_week")).content.decode()
    follow_up = "admin:bookings_reservation_follow_up"
    assert reverse(follow_up, args=[today.pk]) in text
    assert reverse(follow_up, args=[left_open.pk]) not in text
    session = reverse("admin:bookings_reservation_session", args=[left_open.pk])
    assert f'href="{session}"' in text  # it can still be ended
    start = reverse("admin:bookings_reservation_session", args=[tomorrow.pk])
    assert f'action="{start}"' not in text


def test_the_week_view_marks_closed_days_and_answers_bad_input_with_today_and_a_message(
    client, time_machine
):
    time_machine.move_to(tokyo(2026, 11, 25, 8), tick=False)
    counselor = CounselorFactory()
    staff_login(client, make_user(COUNSELOR, office=counselor.office))
    url = reverse("admin:bookings_slot_week")
    response = client.get(url, {"date": "2026-11-25", "counselor": ""})
    assert response.status_code == 200
    days = response.context["schedule"]
    assert len(days) == 7 and days[0]["entry"].day == dt.date(2026, 11, 23)
    assert days[0]["entry"].closed  # 勤労感謝の日
    OfficeClosedDay.objects.create(office=counselor.office, date=dt.date(2026, 11, 26))
    days = client.get(url, {"date": "2026-11-25", "counselor": counselor.pk}).context["schedule"]
    assert days[3]["entry"].closed and not days[2]["entry"].closed
    for bad in [
        {"date": "2026-13-45"},
        {"counselor": "x"},
        {"counselor": "999999"},
        {"date": "' OR 1=1"},
        {"date": "9999-12-31"},
        {"date": "0001-01-03"},
    ]:
        response = client.get(url, bad)
        # This week is shown, under the form that says what was wrong.
        assert response.status_code == 400, bad
        assert response.context["schedule"][0]["entry"].day == dt.date(2026, 11, 23)
        assert response.context["form"].errors
    assert client.post(url).status_code == 405


def test_a_slot_taken_between_the_check_and_the_save_is_a_message(client, monkeypatch):
    counselor = CounselorFactory()
    staff_login(client, make_user(COUNSELOR, office=counselor.office))

    def raced(**kwargs):
        raise SlotOverlap()

    monkeypatch.setattr(bookings_admin, "slot_create", raced)
    response = client.post(
        reverse("admin:bookings_slot_add"),
        {"counselor": counselor.pk, "starts_at_0": "2030-01-07", "starts_at_1": "10:00"},
    )
    assert response.status_code == 302
    assert not Slot.objects.exists()


def test_the_day_view_says_what_each_slot_is_now(client, time_machine):
    """Booked, stopped, past, closed by the cut-off or open: never 受付中 for a slot nobody can
    book (issue 18.4); the page is titled as the day view."""
    time_machine.move_to(tokyo(2026, 12, 1, 10, 40), tick=False)
    counselor = CounselorFactory()
    user = counselor.user
    user.groups.add(*make_user(COUNSELOR, office=counselor.office).groups.all())
    StaffProfile.objects.create(user=user, office=counselor.office, bureau=counselor.office.bureau)
    ReservationFactory(
        slot=SlotFactory(counselor=counselor, starts_at=tokyo(2026, 12, 1, 11)),
        jobseeker=JobseekerFactory(office=counselor.office),
    )
    SlotFactory(counselor=counselor, starts_at=tokyo(2026, 12, 1, 10))  # over
    SlotFactory(counselor=counselor, starts_at=tokyo(2026, 12, 1, 13))  # today: after the cut-off
    SlotFactory(counselor=counselor, starts_at=tokyo(2026, 12, 1, 14), status=SlotStatus.BLOCKED)
    staff_login(client, user)
    response = client.get(reverse("admin:bookings_slot_day"))
    (day,) = response.context["schedule"]
    states = {s.starts_at.astimezone(TOKYO).hour: s.state_label for s in day["entry"].slots}
    assert states == {10: "終了", 11: "予約あり", 13: "受付終了（締切後）", 14: "停止中"}
    later = client.get(reverse("admin:bookings_slot_day"), {"date": "2026-12-08"})
    assert response.context["title"] == "日表示"
    assert later.status_code == 200
    SlotFactory(counselor=counselor, starts_at=tokyo(2026, 12, 8, 10))
    (open_day,) = client.get(reverse("admin:bookings_slot_day"), {"date": "2026-12-08"}).context[
        "schedule"
    ]
    assert [s.state_label for s in open_day["entry"].slots] == ["受付中"]
