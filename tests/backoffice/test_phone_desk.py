"""Phoned-in cancellation and late notice (Art 6(5)), and the follow-up in session (Art 6(4))."""

import importlib.util

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings.errors import CutoffPassed, InvalidTransition, NotInSession, WrongOffice
from bookings.models import Reservation, ReservationSource, ReservationStatus
from bookings.services.reservations import (
    reservation_cancel,
    reservation_create,
    reservation_follow_up,
    reservation_late_notice,
)
from bookings.services.sessions import noshow_sweep
from jobseekers.models import AuditAction, AuditEntry
from notifications.models import Notification, NotificationKind
from notifications.services.delivery import notification_send
from tests.factories import (
    CounselorFactory,
    JobseekerFactory,
    OfficeFactory,
    ReservationFactory,
    SlotFactory,
    tokyo,
)
from tests.helpers import sends_enqueued, staff_login

from .conftest import COUNSELOR, OFFICE_STAFF, make_user

pytestmark = pytest.mark.django_db

NOW = tokyo(2026, 12, 1, 9, 0)


@pytest.fixture
def now(time_machine):
    time_machine.move_to(NOW, tick=False)
    return NOW


def _booked(office, starts_at, **kwargs):
    counselor = kwargs.pop("counselor", None) or CounselorFactory(office=office)
    slot = SlotFactory(counselor=counselor, starts_at=starts_at)
    jobseeker = kwargs.pop("jobseeker", None) or JobseekerFactory(
        office=office, number="33010-00012345", family_name="岡山", given_name="太郎"
    )
    return ReservationFactory(slot=slot, jobseeker=jobseeker, **kwargs)


def _phone(reservation):
    return reverse("admin:bookings_reservation_phone", args=[reservation.pk])


CALL = {
    "caller": "本人",
    "called_at": "2026-12-01T08:55",
    "reason": "体調不良",
    "note": "再予約希望",
}


def test_a_phoned_in_cancellation_end_to_end(
    client, office, staff_user, now, django_capture_on_commit_callbacks, mailoutbox
):
    reservation = _booked(office, tokyo(2026, 12, 3, 10))
    staff_login(client, staff_user)
    search = client.get(
        reverse("admin:bookings_reservation_phone_search"), {"q": "３３０１０ー１２３４５"}
    )
    assert search.status_code == 200
    assert _phone(reservation) in search.content.decode()
    by_name = client.get(reverse("admin:bookings_reservation_phone_search"), {"q": "岡山 太郎"})
    assert _phone(reservation) in by_name.content.decode()
    assert client.get(_phone(reservation)).status_code == 200
    # Step one shows the summary to confirm; nothing is cancelled yet.
    response = client.post(_phone(reservation), {"action": "cancel", **CALL})
    assert response.status_code == 200 and response.context["confirming"]
    # Read back in Japan time and the Japanese way, never the raw input (2026-12-01T08:55).
    readback = dict(response.context["readback"])
    assert readback["電話の日時"] == "2026年12月1日（火）08:55"
    assert "2026-12-01T" not in response.content.decode().split('class="readback"')[1]
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.CONFIRMED
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(_phone(reservation), {"action": "cancel", "confirm": "yes", **CALL})
    assert response.status_code == 302
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.CANCELLED
    assert (reservation.cancel_caller, reservation.cancel_reason, reservation.cancel_note) == (
        "本人",
        "体調不良",
        "再予約希望",
    )
    assert reservation.cancel_called_at == tokyo(2026, 12, 1, 8, 55)
    assert reservation.cancelled_by == staff_user
    entry = AuditEntry.objects.get(action=AuditAction.RESERVATION_CANCEL)
    assert entry.actor == staff_user
    notification = Notification.objects.get(reservation=reservation)
    assert notification.kind == NotificationKind.CANCELLATION
    assert len(sends_enqueued(callbacks)) == 1
    # The slot is open again: another jobseeker can take it.
    again = ReservationFactory(slot=reservation.slot)
    assert again.pk
    assert notification_send(notification_id=notification.pk)
    (email,) = mailoutbox
    assert email.to == [reservation.jobseeker.email]
    if importlib.util.find_spec("notifications.ics") is not None:
        assert any(b"METHOD:CANCEL" in _bytes(a) for a in _attachments(email))


def _attachments(email):
    for attachment in email.attachments:
        yield attachment.content if hasattr(attachment, "content") else attachment[1]


def _bytes(content):
    return content if isinstance(content, bytes) else str(content).encode()


def test_the_cancellation_email_carries_a_calendar_cancel(office, now, mailoutbox):
    pytest.importorskip("notifications.ics", reason="issue 4's ics has not landed yet")
    reservation = _booked(office, tokyo(2026, 12, 3, 10))
    reservation_cancel(reservation=reservation, reason="x")
    notification_send(notification_id=Notification.objects.get().pk)
    assert any(b"METHOD:CANCEL" in _bytes(a) for a in _attachments(mailoutbox[0]))


@pytest.mark.parametrize(
    ("status", "starts_at"),
    [
        (ReservationStatus.CANCELLED, tokyo(2026, 12, 3, 10)),
        (ReservationStatus.CONFIRMED, tokyo(2026, 11, 30, 10)),
        (ReservationStatus.NO_SHOW, tokyo(2026, 11, 30, 10)),
    ],
)
def test_the_form_refuses_a_cancelled_or_past_reservation_with_a_message(
    client, office, staff_user, now, status, starts_at
):
    extra = {"cancelled_at": NOW} if status == ReservationStatus.CANCELLED else {}
    reservation = _booked(office, starts_at, status=status, **extra)
    staff_login(client, staff_user)
    page = client.get(_phone(reservation))
    assert page.status_code == 200 and page.context["refusal"]
    response = client.post(_phone(reservation), {"action": "cancel", "confirm": "yes", **CALL})
    assert response.status_code == 400
    assert list(response.context["messages"])
    reservation.refresh_from_db()
    assert reservation.status == status
    assert not Notification.objects.exists()


def test_another_offices_reservation_is_404_on_the_phone_desk(client, staff_user, now):
    theirs = _booked(OfficeFactory(), tokyo(2026, 12, 3, 10))
    staff_login(client, staff_user)
    assert client.get(_phone(theirs)).status_code == 404
    assert (
        client.post(_phone(theirs), {"action": "cancel", "confirm": "yes", **CALL}).status_code
        == 404
    )
    found = client.get(reverse("admin:bookings_reservation_phone_search"), {"q": "33010-00012345"})
    assert not found.context["results"]
    by_reference = client.get(
        reverse("admin:bookings_reservation_phone_search"), {"q": theirs.reference}
    )
    assert by_reference.status_code == 200
    theirs.refresh_from_db()
    assert theirs.status == ReservationStatus.CONFIRMED


def test_bad_input_on_the_phone_desk_is_a_form_error_not_a_500(client, office, staff_user, now):
    reservation = _booked(office, tokyo(2026, 12, 3, 10))
    staff_login(client, staff_user)
    for data in [
        {"action": "cancel", "confirm": "yes"},
        {"action": "cancel", "confirm": "yes", **CALL, "called_at": "yesterday"},
        {"action": "cancel", "confirm": "yes", **CALL, "called_at": "2030-01-01T10:00"},
        {"action": "cancel", "confirm": "yes", **CALL, "reason": "x" * 600},
        {"action": "late", "called_at": "\x00"},
        {"action": "explode"},
        {},
    ]:
        assert client.post(_phone(reservation), data).status_code == 400, data
    for q in ["", "x" * 500, "33010-", "％", "0" * 30]:
        assert (
            client.get(reverse("admin:bookings_reservation_phone_search"), {"q": q}).status_code
            == 200
        )
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.CONFIRMED


def test_a_late_notice_keeps_the_no_show_rule_away(client, office, staff_user, time_machine):
    time_machine.move_to(tokyo(2026, 12, 1, 10, 5), tick=False)
    late = _booked(office, tokyo(2026, 12, 1, 10))
    silent = _booked(
        office,
        tokyo(2026, 12, 1, 10),
        jobseeker=JobseekerFactory(office=office),
    )
    staff_login(client, staff_user)
    response = client.post(
        _phone(late),
        {"action": "late", "caller": "本人", "called_at": "2026-12-01T10:04", "note": "15分遅れ"},
    )
    assert response.status_code == 302
    late.refresh_from_db()
    assert late.late_notice_at == tokyo(2026, 12, 1, 10, 4)
    assert late.late_notice_by == staff_user and late.late_notice_note == "15分遅れ"
    assert AuditEntry.objects.filter(action=AuditAction.LATE_NOTICE, actor=staff_user).exists()
    # Once started, a cancellation by phone is no longer offered.
    page = client.get(_phone(silent))
    assert page.context["started"]
    assert (
        client.post(_phone(silent), {"action": "cancel", "confirm": "yes", **CALL}).status_code
        == 400
    )
    time_machine.move_to(tokyo(2026, 12, 1, 10, 10), tick=False)
    assert noshow_sweep(now=timezone.now()) == 1
    late.refresh_from_db(), silent.refresh_from_db()
    assert late.status == ReservationStatus.CONFIRMED
    assert silent.status == ReservationStatus.NO_SHOW


def test_a_late_notice_after_the_session_ended_is_refused(office):
    reservation = _booked(office, tokyo(2026, 12, 1, 10))
    with pytest.raises(InvalidTransition):
        reservation_late_notice(reservation=reservation, actor=None, now=tokyo(2026, 12, 1, 10, 30))


def _in_session(office, starts_at, **kwargs):
    return _booked(
        office, starts_at, status=ReservationStatus.IN_SESSION, started_at=starts_at, **kwargs
    )


def test_a_follow_up_end_to_end(
    client, office, counselor_user, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(tokyo(2026, 12, 1, 10, 5), tick=False)
    counselor = CounselorFactory(office=office)
    current = _in_session(
        office, tokyo(2026, 12, 1, 10), counselor=counselor, interpreter_language="英語"
    )
    # The jobseeker already holds a web booking: the web-only limit (1 upcoming) does not apply.
    _booked(office, tokyo(2026, 12, 4, 9), jobseeker=current.jobseeker, counselor=counselor)
    today_later = SlotFactory(counselor=counselor, starts_at=tokyo(2026, 12, 1, 15))
    tomorrow = SlotFactory(counselor=counselor, starts_at=tokyo(2026, 12, 2, 10))
    far = SlotFactory(counselor=counselor, starts_at=tokyo(2027, 1, 20, 10))
    staff_login(client, counselor_user)
    url = reverse("admin:bookings_reservation_follow_up", args=[current.pk])
    page = client.get(url)
    assert page.status_code == 200
    offered = [slot.pk for slot in page.context["slots"]]
    # The cut-off applies (not today); beyond the web horizon is fine for a follow-up.
    assert today_later.pk not in offered
    assert tomorrow.pk in offered and far.pk in offered
    refused = client.post(url, {"slot": today_later.pk})
    assert refused.status_code == 400
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(url, {"slot": far.pk, "interpreter_language": "英語"})
    assert response.status_code == 302
    booked = Reservation.objects.get(slot=far)
    assert booked.status == ReservationStatus.CONFIRMED
    assert booked.source == ReservationSource.IN_SESSION
    assert booked.previous == current
    assert booked.created_by == counselor_user
    assert booked.interpreter_language == "英語"
    assert Notification.objects.filter(
        reservation=booked, kind=NotificationKind.INVITATION
    ).exists()


def test_a_follow_up_needs_a_session_being_held(office):
    confirmed = _booked(office, tokyo(2026, 12, 3, 10))
    slot = SlotFactory(counselor=confirmed.slot.counselor, starts_at=tokyo(2026, 12, 10, 10))
    with pytest.raises(NotInSession):
        reservation_follow_up(previous=confirmed, slot=slot, actor=None, now=NOW)
    held = _in_session(office, tokyo(2026, 12, 1, 9), jobseeker=JobseekerFactory(office=office))
    same_day = SlotFactory(counselor=confirmed.slot.counselor, starts_at=tokyo(2026, 12, 1, 16))
    with pytest.raises(CutoffPassed):
        reservation_follow_up(previous=held, slot=same_day, actor=None, now=NOW)


def test_the_follow_up_page_refuses_other_offices_and_bad_slots(client, office, now):
    user = make_user(COUNSELOR, office=office)
    theirs = _in_session(OfficeFactory(), tokyo(2026, 12, 1, 9))
    mine = _in_session(office, tokyo(2026, 12, 1, 9), jobseeker=JobseekerFactory(office=office))
    foreign_slot = SlotFactory(counselor=theirs.slot.counselor, starts_at=tokyo(2026, 12, 8, 10))
    staff_login(client, user)
    assert (
        client.get(reverse("admin:bookings_reservation_follow_up", args=[theirs.pk])).status_code
        == 404
    )
    url = reverse("admin:bookings_reservation_follow_up", args=[mine.pk])
    for data in [{"slot": foreign_slot.pk}, {"slot": "abc"}, {}, {"slot": 10**12}]:
        assert client.post(url, data).status_code == 400
    assert Reservation.objects.count() == 2


def test_the_follow_up_page_offers_nothing_for_a_reservation_not_in_session(client, office, now):
    user = make_user(OFFICE_STAFF, office=office)
    confirmed = _booked(office, tokyo(2026, 12, 3, 10))
    staff_login(client, user)
    url = reverse("admin:bookings_reservation_follow_up", args=[confirmed.pk])
    page = client.get(url)
    assert page.status_code == 200 and not page.context["allowed"]


def test_the_service_books_follow_ups_only_in_the_office(office):
    held = _in_session(office, tokyo(2026, 12, 1, 9))
    elsewhere = SlotFactory(counselor=CounselorFactory(), starts_at=tokyo(2026, 12, 8, 10))
    with pytest.raises(WrongOffice) as excinfo:
        reservation_create(
            slot=elsewhere,
            jobseeker=held.jobseeker,
            source=ReservationSource.IN_SESSION,
            previous=held,
            now=NOW,
        )
    assert excinfo.type is WrongOffice
