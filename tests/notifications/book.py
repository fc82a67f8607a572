"""Books invitations into the worker's database from a separate process, as web workers do.

Run as `python -m tests.notifications.book <prefix> <count> <interval>` with the worker's
environment (tests/notifications/worker_settings.py): each booking commits an invitation row and
publishes its send task after commit. A booking that meets a restarting database is tried again
(the web's own answer to that is another issue's); each line of output is one committed booking.
"""

import datetime as dt
import os
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.notifications.worker_settings")
django.setup()

from django.db import InterfaceError, OperationalError, connection, transaction  # noqa: E402

from bookings.sql import db_now  # noqa: E402
from notifications.services.outbox import invitation_queue  # noqa: E402
from tests.factories import JobseekerFactory, ReservationFactory, SlotFactory  # noqa: E402


def book(email: str) -> int:
    with transaction.atomic():
        jobseeker = JobseekerFactory(email=email)
        reservation = ReservationFactory(
            jobseeker=jobseeker,
            slot=SlotFactory(
                starts_at=db_now() + dt.timedelta(days=2), counselor__office=jobseeker.office
            ),
        )
        return invitation_queue(reservation=reservation).pk


def main(prefix: str, count: int, interval: float) -> None:
    for n in range(count):
        while True:
            try:
                pk = book(f"{prefix}{n}@example.jp")
                break
            except (OperationalError, InterfaceError):
                connection.close()
                time.sleep(0.2)
        sys.stdout.write(f"{pk}\n")
        sys.stdout.flush()
        time.sleep(interval)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]))
