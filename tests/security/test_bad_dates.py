"""One bad date already in the database takes down nothing (issue 15, §3 item 4).

The phone desk once accepted a late notice "called at" 0001-01-01 00:00 (Tokyo): stored, it is
a BC timestamp psycopg cannot load, and every page and sweep that read the row failed — the
office's reservation list, its day view, phone search, the notifications, the jobseeker's own
confirmation page, and the reminder sweep of every office. Here such values are written
straight into the database with SQL, as an older release or a hand-made fix would have left
them, and everything must still work: the pages render, the sweeps remind and record no-shows
for every office, and the value is logged without personal data.
"""

import logging

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from bookings.models import Reservation, ReservationStatus
from bookings.services.reservations import reservation_access_token
from bookings.services.sessions import noshow_sweep
from bookings.services.slots import slots_fill_horizon
from jobseekers.retention import jobseekers_anonymise_inactive
from notifications.models import Notification, NotificationKind
from notifications.services.outbox import invitation_queue
from notifications.services.sweep import notification_sweep, reminder_sweep
from offices.models import OfficeClosedDay
from tests.backoffice.conftest import COUNSELOR, OFFICE_STAFF, make_user
from tests.bookings.conftest import sign_in_client
from tests.factories import (
    BureauFactory,
    CounselorFactory,
    JobseekerFactory,
    OfficeFactory,
    ReservationFactory,
    SlotFactory,
    WeeklyAvailabilityFactory,
    tokyo,
)
from tests.helpers import staff_login

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

BOOKED_AT = tokyo(2026, 11, 25, 9)
# The day before the consultations, after the office's reminder hour (17:00).
EVENING_BEFORE = tokyo(2026, 12, 1, 17, 30)
# Eleven minutes after the 10:30 consultation started.
NO_SHOW_TIME = tokyo(2026, 12, 2, 10, 41)


def _sql(statement: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


class Bad:
    """An office with one reservation whose late notice is 1 BC, a neighbour with a sane one,
    and an office of another bureau; plus a far-future cancellation call and a BC closed day."""

    def __init__(self):
        self.office = OfficeFactory()
        counselor = CounselorFactory(office=self.office)
        self.jobseeker = JobseekerFactory(
            office=self.office, number="33010-00012345", family_name="岡山", given_name="太郎"
        )
        self.bad = ReservationFactory(
            jobseeker=self.jobseeker,
            slot=SlotFactory(counselor=counselor, starts_at=tokyo(2026, 12, 2, 10)),
        )
        self.good = ReservationFactory(
            jobseeker=JobseekerFactory(office=self.office),
            slot=SlotFactory(counselor=counselor, starts_at=tokyo(2026, 12, 2, 10, 30)),
        )
        other_office = OfficeFactory(bureau=BureauFactory(code="hiroshima", name="広島労働局"))
        self.other = ReservationFactory(
            jobseeker=JobseekerFactory(office=other_office),
            slot=SlotFactory(
                counselor=CounselorFactory(office=other_office), starts_at=tokyo(2026, 12, 2, 10)
            ),
        )
        self.cancelled = ReservationFactory(
            jobseeker=JobseekerFactory(office=self.office),
            slot=SlotFactory(counselor=counselor, starts_at=tokyo(2026, 12, 2, 11)),
            status=ReservationStatus.CANCELLED,
            cancelled_at=BOOKED_AT,
        )
        WeeklyAvailabilityFactory(counselor=counselor)
        for reservation in (self.bad, self.good, self.other):
            invitation_queue(reservation=reservation, now=BOOKED_AT)
        self.closed_day = OfficeClosedDay.objects.create(
            office=self.office, date=tokyo(2026, 12, 24).date(), reason="研修"
        )
        table = Reservation._meta.db_table
        # What the phone desk stored for "0001-01-01 00:00" typed in Tokyo: 1 BC in UTC.
        _sql(
            f"UPDATE {table} SET late_notice_at = %s::timestamptz WHERE id = %s",  # noqa: S608
            ["0001-01-01 00:00:00+09", self.bad.pk],
        )
        _sql(
            f"UPDATE {table} SET cancel_called_at = 'infinity' WHERE id = %s",  # noqa: S608
            [self.cancelled.pk],
        )
        _sql(
            f"UPDATE {OfficeClosedDay._meta.db_table} SET date = '0044-03-15 BC' "  # noqa: S608
            "WHERE id = %s",
            [self.closed_day.pk],
        )


@pytest.fixture
def bad(time_machine):
    time_machine.move_to(BOOKED_AT, tick=False)
    world = Bad()
    time_machine.move_to(EVENING_BEFORE, tick=False)
    return world


def test_the_values_really_are_out_of_python_s_range(bad):
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT late_notice_at < '0001-01-01 00:00+00' FROM {Reservation._meta.db_table} "  # noqa: S608
            "WHERE id = %s",
            [bad.bad.pk],
        )
        assert cursor.fetchone() == (True,)


def test_the_office_s_pages_render_for_staff_and_counselors(bad, caplog):
    caplog.set_level(logging.WARNING, logger="core.pg_dates")
    for role in (OFFICE_STAFF, COUNSELOR):
        client = staff_login(Client(), make_user(role, office=bad.office))
        pages = [
            reverse("admin:bookings_reservation_changelist"),
            reverse("admin:bookings_reservation_change", args=[bad.bad.pk]),
            reverse("admin:bookings_reservation_change", args=[bad.cancelled.pk]),
            reverse("admin:bookings_slot_day") + "?date=2026-12-02",
            reverse("admin:bookings_slot_week") + "?date=2026-12-02",
            reverse("admin:bookings_reservation_dashboard"),
            reverse("admin:offices_officeclosedday_changelist"),
            reverse("admin:jobseekers_jobseeker_change", args=[bad.jobseeker.pk]),
        ]
        if role == OFFICE_STAFF:
            invitation = Notification.objects.get(reservation=bad.bad)
            pages += [
                reverse("admin:bookings_reservation_phone_search") + "?q=33010-00012345",
                reverse("admin:bookings_reservation_phone", args=[bad.bad.pk]),
                reverse("admin:notifications_notification_changelist"),
                reverse("admin:notifications_notification_change", args=[invitation.pk]),
            ]
        for url in pages:
            response = client.get(url)
            assert response.status_code == 200, (role, url, response.status_code)
        day = client.get(reverse("admin:bookings_slot_day") + "?date=2026-12-02&counselor=")
        assert bad.bad.reference in day.content.decode()
        assert bad.good.reference in day.content.decode()
    # Logged, without the row or the person.
    assert "outside the years 1-9999" in caplog.text
    assert "岡山" not in caplog.text and "33010" not in caplog.text


def test_the_jobseeker_s_own_pages_render(bad):
    token = reservation_access_token(bad.bad)
    for name in ("bookings:confirmation", "bookings:reservation", "bookings:reservation_ics"):
        assert Client().get(reverse(name, args=[token])).status_code == 200, name
    # And the journey, signed in: the day of the reservation (the office's limit raised: at
    # the limit the day page is the gate, issue 19).
    bad.jobseeker.office.max_upcoming_web_bookings = 10
    bad.jobseeker.office.save()
    client = sign_in_client(Client(), bad.jobseeker)
    assert client.get(reverse("bookings:day", args=["2026-12-02"])).status_code == 200


def test_the_sweeps_go_on_for_every_office(bad):
    reminded = reminder_sweep(now=EVENING_BEFORE)
    reminders = set(
        Notification.objects.filter(kind=NotificationKind.REMINDER).values_list(
            "reservation_id", flat=True
        )
    )
    # Every confirmed reservation gets its reminder, the one with the bad late notice too:
    # its consultation is real.
    assert reminders == {bad.bad.pk, bad.good.pk, bad.other.pk}
    assert reminded == 3
    assert notification_sweep(now=EVENING_BEFORE) >= 0
    # The next morning, past the 10 minutes: a late notice (even one with a nonsense
    # time) keeps a reservation from becoming a no-show; the others do.
    assert noshow_sweep(now=NO_SHOW_TIME) == 2
    statuses = dict(Reservation.objects.values_list("pk", "status"))
    assert statuses[bad.bad.pk] == ReservationStatus.CONFIRMED
    assert statuses[bad.good.pk] == ReservationStatus.NO_SHOW
    assert statuses[bad.other.pk] == ReservationStatus.NO_SHOW
    assert slots_fill_horizon(now=EVENING_BEFORE) > 0
    assert jobseekers_anonymise_inactive(now=EVENING_BEFORE) == 0


def test_a_change_by_the_phone_desk_still_works_on_the_row(bad):
    """The late notice can be recorded again with a real time, which replaces the bad one."""
    client = staff_login(Client(), make_user(OFFICE_STAFF, office=bad.office))
    response = client.post(
        reverse("admin:bookings_reservation_phone", args=[bad.bad.pk]),
        {"action": "late", "caller": "本人", "called_at": "2026-12-01T17:25", "note": ""},
    )
    assert response.status_code == 302
    bad.bad.refresh_from_db()
    assert bad.bad.late_notice_at == tokyo(2026, 12, 1, 17, 25)
