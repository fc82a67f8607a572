"""What the bench drives: the pages and the requests, kept apart from how it measures them.

Until the public journey's slot-choice and booking views exist, the bench measures the start page
and books through `bench/book/`, a bench-only view that calls the same service
(`reservation_create`) that the booking form calls; `describe()` says which is in use.
"""

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urlencode

from bench import dataset
from bench.loadgen import Response


@dataclass
class Page:
    label: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)

    def prepare(self, client) -> None:
        for name, value in self.cookies.items():
            client.cookies[name] = value


@dataclass
class Attempt:
    path: str
    headers: dict[str, str]
    body: bytes
    response: Response | None = None


@dataclass
class World:
    now: dt.datetime
    office_ids: list[int]
    # Per office: jobseekers who hold no reservation, and open bookable slots.
    free_jobseekers: dict[int, list[int]]
    open_slots: dict[int, list[int]]
    race_slots: list[int] = field(default_factory=list)


def prepare(*, now: dt.datetime) -> World:
    from bookings.calendar import TOKYO, tokyo_date
    from bookings.models import Office, Reservation, Slot, SlotStatus
    from jobseekers.models import Jobseeker

    offices = list(
        Office.objects.filter(bureau__code=dataset.BUREAU_CODE)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    first_day = tokyo_date(now) + dt.timedelta(days=2)
    last_day = tokyo_date(now) + dt.timedelta(weeks=3)
    since = dt.datetime.combine(first_day, dt.time(0), tzinfo=TOKYO)
    until = dt.datetime.combine(last_day, dt.time(0), tzinfo=TOKYO)
    busy_people = Reservation.objects.values("jobseeker_id")
    busy_slots = Reservation.objects.values("slot_id")
    free, slots = {}, {}
    for office in offices:
        free[office] = list(
            Jobseeker.objects.filter(office_id=office, email__startswith="js00-")
            .exclude(pk__in=busy_people)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        slots[office] = list(
            Slot.objects.filter(
                office_id=office,
                status=SlotStatus.OPEN,
                starts_at__gte=since,
                starts_at__lt=until,
            )
            .exclude(pk__in=busy_slots)
            .order_by("starts_at", "pk")
            .values_list("pk", flat=True)
        )
    return World(now=now, office_ids=offices, free_jobseekers=free, open_slots=slots)


def describe() -> str:
    return (
        "the start page stands in for the slot-choice page, and bench/book/ (the booking "
        "service behind a bench-only URL) for the booking form, until the public journey's views "
        "land"
    )


def slot_choice(world: World) -> Page:
    return Page(label="Start page (stand-in for the slot-choice page)", path="/")


def public_pages(world: World) -> list[Page]:
    return [slot_choice(world)]


def _attempt(*, slot: int, jobseeker: int) -> Attempt:
    body = urlencode({"slot": slot, "jobseeker": jobseeker}).encode()
    return Attempt(
        path="/bench/book/",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        body=body,
    )


def booking_plans(world: World, *, clients: int, each: int) -> list[list[Attempt]]:
    """`clients` lists of `each` bookings; every booking a different jobseeker and slot."""
    plans: list[list[Attempt]] = [[] for _ in range(clients)]
    n = 0
    for c in range(clients):
        for _ in range(each):
            office = world.office_ids[n % len(world.office_ids)]
            plans[c].append(
                _attempt(
                    slot=world.open_slots[office].pop(0),
                    jobseeker=world.free_jobseekers[office].pop(0),
                )
            )
            n += 1
    return plans


def race_rounds(world: World, *, rounds: int, attempts: int):
    """Each round: one slot, `attempts` different jobseekers of its office."""
    for r in range(rounds):
        office = world.office_ids[r % len(world.office_ids)]
        slot = world.open_slots[office].pop()
        world.race_slots.append(slot)
        people = [world.free_jobseekers[office].pop() for _ in range(attempts)]
        yield [_attempt(slot=slot, jobseeker=p) for p in people]


def booked(response: Response) -> bool:
    return response.status == 201


def refused(response: Response) -> bool:
    return response.status == 200 and response.body.startswith(b"refused")


def cleanup() -> None:
    """Drop what the run queued in Redis (the send tasks no worker consumed)."""
    import redis
    from django.conf import settings

    client = redis.Redis.from_url(settings.BENCH_REDIS_URL)
    keys = [settings.CELERY_TASK_DEFAULT_QUEUE, *client.scan_iter("hwbench*")]
    if keys:
        client.delete(*keys)
