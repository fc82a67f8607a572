"""Commands the fault harness runs inside the stack's environment (its database, its settings):

    python -m tests.faults.commands seed --bookings 300 [--english-every 3] [--counselors 12]
        [--prefixes hang,faults,busy]
    python -m tests.faults.commands sweep
    python -m tests.faults.commands started --minutes 5,9.5,10.5
    python -m tests.faults.commands sweeps [--times 3] [--pause 1]

`seed` writes a bookable world and prints, as JSON, one entry per booking to make: a verified
jobseeker who agreed to the terms, signed in (a database session with the checklist and the
details done, as the sign-in link and the journey leave it), and an open slot of their own.
The n-th jobseeker's address starts with the n-th of `--prefixes` (cycled): the recording
provider of tests/notifications/mail_backend.py and the SMTP server of tests/faults/services.py
behave by an address's local part (`lateanswer…` answers late, `hang…` hangs once, …).
`sweep` runs the outbox sweep once (what beat does every minute) and prints how many rows it
put back on the queue. `started` writes confirmed reservations of another office that began
the given minutes ago on the database's clock (invitations sent), for the no-show sweep.
`sweeps` runs what beat runs every minute (no-shows, outbox, reminders), each time once a send is
under way, and prints how far this process's clock is from the database's (HW_CLOCK_SHIFT moves it, tests/faults/
settings.py).
"""

import argparse
import datetime as dt
import json
import os
import sys


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.faults.settings")
    import django

    django.setup()


def seed(bookings: int, *, english_every: int, counselors: int, prefixes: list[str]) -> list[dict]:
    from django.conf import settings
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.db import transaction
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from bookings.models import SLOT_LENGTH, Slot
    from consent.models import Consent
    from core.calendar import TOKYO, is_closed, tokyo_date
    from jobseekers.models import Jobseeker
    from portal import views
    from tests.factories import (
        BureauFactory,
        CounselorFactory,
        JobseekerFactory,
        OfficeFactory,
        TermsVersionFactory,
    )
    from tests.helpers import NO_DETAILS, journey_session_data

    now = timezone.now()
    with transaction.atomic():
        bureau = BureauFactory(code="faults", name="障害試験労働局", name_en="Fault Test Bureau")
        office = OfficeFactory(
            bureau=bureau,
            code="faults",
            registration_code="39990",
            name="ハローワーク障害試験",
            name_en="Hello Work Fault Test",
            phone="086-000-1600",
        )
        terms = TermsVersionFactory(
            bureau=bureau, effective_from=now - dt.timedelta(days=30), published_at=now
        )
        staff = [CounselorFactory(office=office) for _ in range(counselors)]
        # Days from the third day ahead (clear of the cut-off whatever the hour), open days only,
        # inside the office's horizon; 14 half-hour slots a day per counselor.
        days, day = [], tokyo_date(now) + dt.timedelta(days=3)
        needed_days = -(-bookings // (counselors * 14))
        while len(days) < needed_days:
            if not is_closed(day):
                days.append(day)
            day += dt.timedelta(days=1)
        times = [dt.time(9 + i // 2, 30 * (i % 2)) for i in range(14)]
        slots = Slot.objects.bulk_create(
            Slot(
                counselor=counselor,
                office=office,
                starts_at=(start := dt.datetime.combine(d, t, tzinfo=TOKYO)),
                ends_at=start + SLOT_LENGTH,
            )
            for d in days
            for t in times
            for counselor in staff
        )[:bookings]
        people = Jobseeker.objects.bulk_create(
            JobseekerFactory.build(
                office=office,
                number=f"39990-{n:08d}",
                email=f"{prefixes[n % len(prefixes)]}{n:05d}@example.jp",
                preferred_language="en" if english_every and n % english_every == 0 else "ja",
            )
            for n in range(bookings)
        )
        Consent.objects.bulk_create(
            Consent(
                jobseeker=person,
                terms_version=terms,
                given_at=now,
                channel="web",
                video_app_terms_accepted=True,
            )
            for person in people
        )
        expires = now + dt.timedelta(hours=3)
        plan, rows = [], []
        for person, slot in zip(people, slots, strict=True):
            key = get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789")
            data = journey_session_data(
                person.pk, signed_in_at=int(now.timestamp()), details=NO_DETAILS
            )
            data[views.SESSION_TOUCHED] = int(now.timestamp())
            rows.append(
                Session(
                    session_key=key, session_data=SessionStore().encode(data), expire_date=expires
                )
            )
            plan.append(
                {
                    "jobseeker": person.pk,
                    "email": person.email,
                    "language": person.preferred_language,
                    "slot": slot.pk,
                    "day": tokyo_date(slot.starts_at).isoformat(),
                    "session": key,
                    "csrf": get_random_string(32),
                }
            )
        Session.objects.bulk_create(rows)
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"
    return plan


def sweep() -> int:
    from notifications.services.sweep import notification_sweep

    return notification_sweep()


def started(minutes: list[float]) -> dict[str, int]:
    """Confirmed reservations (in an office of their own) that began `minutes` ago on the
    database's clock, their invitations sent: {minutes: reservation id}."""
    import datetime as dt

    from django.db import transaction
    from django.utils import timezone

    from core.sql import db_now
    from notifications.models import Notification, NotificationStatus
    from notifications.services.outbox import invitation_queue
    from tests.factories import (
        CounselorFactory,
        JobseekerFactory,
        OfficeFactory,
        ReservationFactory,
        SlotFactory,
        UserFactory,
    )

    now = db_now()
    found = {}
    with transaction.atomic():
        office = OfficeFactory(code="started", registration_code="39991")
        for n, ago in enumerate(minutes):
            # A counselor each (the times overlap), with a named user: the factories'
            # sequences start again in every process.
            counselor = CounselorFactory(
                office=office, user=UserFactory(username=f"started-counselor{n}")
            )
            slot = SlotFactory(counselor=counselor, starts_at=now - dt.timedelta(minutes=ago))
            reservation = ReservationFactory(
                slot=slot,
                jobseeker=JobseekerFactory(
                    office=office,
                    number=f"39991-{n:08d}",
                    email=f"started{n:05d}@example.jp",
                ),
            )
            invitation = invitation_queue(reservation=reservation)
            Notification.objects.filter(pk=invitation.pk).update(
                status=NotificationStatus.SENT, sent_at=timezone.now()
            )
            found[str(ago)] = reservation.pk
    return found


def sweeps(times: int, pause: float) -> list[dict]:
    """What beat runs every minute, `times` times, each once a send is under way (a row in
    `sending`, up to 30 s), `pause` s apart; and this process's clock against the database's."""
    import time

    from django.utils import timezone

    from bookings.services.sessions import noshow_sweep
    from core.sql import db_now
    from notifications.models import Notification, NotificationStatus
    from notifications.services.sweep import notification_sweep, reminder_sweep

    runs = []
    for _ in range(times):
        waited = time.monotonic()
        while not Notification.objects.filter(status=NotificationStatus.SENDING).exists():
            if time.monotonic() - waited > 30:
                break
            time.sleep(0.1)
        runs.append(
            {
                "sends_in_flight": Notification.objects.filter(
                    status=NotificationStatus.SENDING
                ).count(),
                "process_clock_ahead_seconds": round(
                    (timezone.now() - db_now()).total_seconds(), 1
                ),
                "no_shows": noshow_sweep(),
                "outbox_requeued": notification_sweep(),
                "reminders": reminder_sweep(),
            }
        )
        time.sleep(pause)
    return runs


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    seeding = commands.add_parser("seed")
    seeding.add_argument("--bookings", type=int, required=True)
    seeding.add_argument("--english-every", type=int, default=3)
    seeding.add_argument("--counselors", type=int, default=12)
    seeding.add_argument("--prefixes", default="faults")
    commands.add_parser("sweep")
    starting = commands.add_parser("started")
    starting.add_argument("--minutes", required=True)
    sweeping = commands.add_parser("sweeps")
    sweeping.add_argument("--times", type=int, default=1)
    sweeping.add_argument("--pause", type=float, default=1.0)
    args = parser.parse_args(argv)
    _setup()
    if args.command == "seed":
        result = seed(
            args.bookings,
            english_every=args.english_every,
            counselors=args.counselors,
            prefixes=args.prefixes.split(","),
        )
    elif args.command == "started":
        result = started([float(m) for m in args.minutes.split(",")])
    elif args.command == "sweeps":
        result = sweeps(args.times, args.pause)
    else:
        result = sweep()
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
