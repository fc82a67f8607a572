"""One row that fails never stops a periodic job (core.sweeps).

The failing row is made by PostgreSQL itself: a trigger refuses any write to that one row, or
a division by zero fails the read of that one row, as a constraint, a corrupt value or a bug
that one row's data brings out would. The job logs the row (its id and the exception's class,
never the message or a person's data), skips it, and handles every other row.
"""

import datetime as dt
import logging

import pytest
from django.db import connection
from django.db.models.expressions import RawSQL

from bookings.models import Reservation, ReservationStatus, Slot
from bookings.services.sessions import noshow_sweep
from bookings.services.slots import slots_fill_horizon
from core.sweeps import each_row
from jobseekers.models import Jobseeker
from jobseekers.retention import jobseekers_anonymise_inactive
from notifications import tasks
from notifications.models import Notification, NotificationKind, NotificationStatus
from notifications.services.outbox import invitation_queue
from notifications.services.sweep import reminder_sweep
from tests.factories import (
    CounselorFactory,
    JobseekerFactory,
    OfficeFactory,
    ReservationFactory,
    SlotFactory,
    WeeklyAvailabilityFactory,
    tokyo,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

REFUSAL = "refused for this test: jobseeker 山田 33010-00099999 mail@example.jp"


@pytest.fixture
def refuse(db):
    """refuse(model, "INSERT"/"UPDATE", column, value): PostgreSQL refuses that one row."""

    def install(model, event: str, column: str, value: int) -> None:
        table = model._meta.db_table
        name = f"refuse_{table}_{event.lower()}_{int(value)}"
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS "
                f"$$ BEGIN RAISE EXCEPTION '{REFUSAL}'; END $$"
            )
            cursor.execute(
                f"CREATE TRIGGER {name} BEFORE {event} ON {table} FOR EACH ROW "
                f"WHEN (NEW.{column} = {int(value)}) EXECUTE FUNCTION {name}()"
            )

    return install


def _skipped(caplog, job: str, pk: int) -> bool:
    return any(
        record.name == "core.sweeps" and f"{job}: row {pk} skipped" in record.getMessage()
        for record in caplog.records
    )


def _no_personal_data(caplog) -> None:
    text = "\n".join(record.getMessage() for record in caplog.records)
    for value in ("山田", "33010-", "@example.jp", "refused for this test"):
        assert value not in text, value


def _booked(office, starts_at, created_at):
    reservation = ReservationFactory(
        jobseeker=JobseekerFactory(office=office),
        slot=SlotFactory(counselor=CounselorFactory(office=office), starts_at=starts_at),
    )
    Reservation.objects.filter(pk=reservation.pk).update(created_at=created_at)
    return reservation


def test_the_reminder_sweep_skips_the_row_it_cannot_remind_and_reminds_the_rest(refuse, caplog):
    now = tokyo(2026, 12, 1, 17, 30)
    office = OfficeFactory()
    first, bad, last = (
        _booked(office, tokyo(2026, 12, 2, hour), tokyo(2026, 11, 20)) for hour in (9, 10, 11)
    )
    refuse(Notification, "INSERT", "reservation_id", bad.pk)
    caplog.set_level(logging.INFO)

    assert reminder_sweep(now=now) == 2

    reminded = set(
        Notification.objects.filter(kind=NotificationKind.REMINDER).values_list(
            "reservation_id", flat=True
        )
    )
    assert reminded == {first.pk, last.pk}
    assert _skipped(caplog, "reminder sweep", bad.pk)
    _no_personal_data(caplog)


def test_the_noshow_sweep_records_every_other_no_show(refuse, caplog):
    office = OfficeFactory()
    created = tokyo(2026, 11, 20)
    rows = [_booked(office, tokyo(2026, 12, 2, 10, minute), created) for minute in (0, 30)]
    other = _booked(OfficeFactory(), tokyo(2026, 12, 2, 10), created)
    refuse(Reservation, "UPDATE", "id", rows[0].pk)
    caplog.set_level(logging.INFO)

    assert noshow_sweep(now=tokyo(2026, 12, 2, 10, 45)) == 2

    statuses = dict(Reservation.objects.values_list("pk", "status"))
    assert statuses[rows[0].pk] == ReservationStatus.CONFIRMED
    assert statuses[rows[1].pk] == ReservationStatus.NO_SHOW
    assert statuses[other.pk] == ReservationStatus.NO_SHOW
    assert _skipped(caplog, "no-show sweep", rows[0].pk)
    _no_personal_data(caplog)
    # The row stays due: once it can be written again, the next run records it.
    with connection.cursor() as cursor:
        cursor.execute(
            f"DROP TRIGGER refuse_bookings_reservation_update_{rows[0].pk} ON bookings_reservation"
        )
    assert noshow_sweep(now=tokyo(2026, 12, 2, 10, 46)) == 1


def test_anonymisation_skips_the_row_it_cannot_erase(refuse, caplog, settings):
    settings.JOBSEEKER_INACTIVE_YEARS = 3
    old = tokyo(2020, 1, 1)
    people = [JobseekerFactory(registration_valid_until=dt.date(2020, 3, 31)) for _ in range(3)]
    Jobseeker.objects.filter(pk__in=[p.pk for p in people]).update(
        created_at=old, last_activity_at=old
    )
    refuse(Jobseeker, "UPDATE", "id", people[1].pk)
    caplog.set_level(logging.INFO)

    assert jobseekers_anonymise_inactive(now=tokyo(2026, 12, 1)) == 2

    erased = set(Jobseeker.objects.filter(anonymised_at__isnull=False).values_list("pk", flat=True))
    assert erased == {people[0].pk, people[2].pk}
    assert _skipped(caplog, "anonymisation", people[1].pk)
    _no_personal_data(caplog)


def test_slot_generation_skips_the_counselor_it_cannot_generate(refuse, caplog):
    office = OfficeFactory()
    counselors = [CounselorFactory(office=office) for _ in range(3)]
    for counselor in counselors:
        WeeklyAvailabilityFactory(counselor=counselor)
    refuse(Slot, "INSERT", "counselor_id", counselors[1].pk)
    caplog.set_level(logging.INFO)

    assert slots_fill_horizon(now=tokyo(2026, 12, 1, 9)) > 0

    with_slots = set(Slot.objects.values_list("counselor_id", flat=True))
    assert with_slots == {counselors[0].pk, counselors[2].pk}
    assert _skipped(caplog, "slot generation", counselors[1].pk)


def test_a_send_batch_sends_the_rest_when_one_row_fails(refuse, caplog, mailoutbox):
    office = OfficeFactory()
    queued = [
        invitation_queue(
            reservation=_booked(office, tokyo(2026, 12, 3, 10, minute), tokyo(2026, 11, 20)),
            now=tokyo(2026, 11, 20),
        )
        for minute in (0, 30)
    ]
    bad = invitation_queue(
        reservation=_booked(office, tokyo(2026, 12, 3, 11), tokyo(2026, 11, 20)),
        now=tokyo(2026, 11, 20),
    )
    refuse(Notification, "UPDATE", "id", bad.pk)
    caplog.set_level(logging.INFO)

    assert tasks.send_notification_batch.run([queued[0].pk, bad.pk, queued[1].pk]) == 2

    statuses = dict(Notification.objects.values_list("pk", "status"))
    assert statuses[queued[0].pk] == statuses[queued[1].pk] == NotificationStatus.SENT
    assert statuses[bad.pk] == NotificationStatus.QUEUED
    assert len(mailoutbox) == 2
    assert _skipped(caplog, "send batch", bad.pk)


def test_each_row_reads_an_unreadable_chunk_row_by_row(caplog):
    rows = [ReservationFactory() for _ in range(4)]
    bad = rows[2]
    # Reading this one row divides by zero; the others read fine.
    queryset = Reservation.objects.annotate(
        check=RawSQL("1 / (bookings_reservation.id - %s)", [bad.pk])
    ).order_by("pk")
    caplog.set_level(logging.INFO)

    seen = each_row(queryset, lambda reservation: reservation.pk, job="test job", chunk=10)

    assert seen == [r.pk for r in rows if r.pk != bad.pk]
    assert _skipped(caplog, "test job", bad.pk)


@pytest.mark.django_db(transaction=True)
def test_in_a_task_no_transaction_is_held_across_a_send(monkeypatch):
    """Outside a transaction (a Celery task), rows are not wrapped in one: each service commits
    its own work, and the provider's call is not made with a transaction open."""
    from django.db import connection

    seen = []
    real_send = tasks.notification_send

    def send(*, notification_id):
        seen.append(connection.in_atomic_block)
        return real_send(notification_id=notification_id)

    monkeypatch.setattr(tasks, "notification_send", send)
    office = OfficeFactory()
    queued = invitation_queue(
        reservation=_booked(office, tokyo(2026, 12, 3, 10), tokyo(2026, 11, 20)),
        now=tokyo(2026, 11, 20),
    )
    tasks.send_notification_batch.run([queued.pk])
    assert seen == [False]
