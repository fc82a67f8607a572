"""What the bench drives: the public journey's pages and requests, apart from how it measures.

A bench client is a signed-in jobseeker: a database session such as the sign-in link leaves
(plus the checklist and details steps done), written in bulk, and a CSRF cookie and field. The
booking is the check-answers page's POST, exactly as the browser sends it.
"""

import datetime as dt
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie
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
    viewer: "Session | None" = None
    booked_reference: str | None = None
    booked_jobseeker: int | None = None
    booked_token: str | None = None


def prepare(*, now: dt.datetime) -> World:
    from bookings.models import Reservation, Slot, SlotStatus
    from core.calendar import tokyo_date, tokyo_day_bounds
    from jobseekers.models import Jobseeker
    from offices.models import Office

    offices = list(
        Office.objects.filter(bureau__code=dataset.BUREAU_CODE)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    first_day = tokyo_date(now) + dt.timedelta(days=2)
    last_day = tokyo_date(now) + dt.timedelta(weeks=3)
    since, until = tokyo_day_bounds(first_day, last_day - dt.timedelta(days=1))
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
        "the slot-choice page is a day's free times (`/book/date/<day>/`) for a signed-in "
        "jobseeker; a booking is the POST of the check-answers page (`/book/check/`) with the "
        "jobseeker's session (checklist and details done) and a CSRF token, as the browser sends "
        'it; success is the redirect to the confirmation, a refusal the 409 "just taken" page; '
        "the slot-choice form is accepted when it redirects to the next step (a refused CSRF "
        "token is a 403)"
    )


@dataclass
class Session:
    jobseeker: int
    key: str
    csrf: str

    def cookies(self) -> dict[str, str]:
        from django.conf import settings

        return {settings.SESSION_COOKIE_NAME: self.key, settings.CSRF_COOKIE_NAME: self.csrf}

    def headers(self, *, form: bool = False) -> dict[str, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies().items())}
        if form:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        return headers


def sessions_for(jobseeker_ids: list[int], *, slot: int | None = None) -> list[Session]:
    """Signed-in journey sessions (checklist and details done), written in one bulk insert."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.sessions.models import Session as SessionRow
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from tests.helpers import NO_DETAILS, journey_session_data

    if settings.SESSION_ENGINE not in (
        "django.contrib.sessions.backends.db",
        "django.contrib.sessions.backends.cached_db",
    ):
        raise RuntimeError("the bench writes database sessions; SESSION_ENGINE changed")
    store = import_module(settings.SESSION_ENGINE).SessionStore
    expires = timezone.now() + dt.timedelta(hours=2)
    rows, sessions = [], []
    for pk in jobseeker_ids:
        data = journey_session_data(pk, slot=slot, details=NO_DETAILS)
        key = get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789")
        rows.append(
            SessionRow(session_key=key, session_data=store().encode(data), expire_date=expires)
        )
        sessions.append(Session(jobseeker=pk, key=key, csrf=get_random_string(32)))
    SessionRow.objects.bulk_create(rows, batch_size=1000)
    return sessions


def _first_open_day(world: World) -> dt.date:
    from bookings.models import Slot
    from core.calendar import tokyo_date

    office = world.office_ids[0]
    starts_at = Slot.objects.filter(pk__in=world.open_slots[office][:1]).values_list(
        "starts_at", flat=True
    )[0]
    return tokyo_date(starts_at)


def _viewer(world: World) -> Session:
    if world.viewer is None:
        office = world.office_ids[0]
        world.viewer = sessions_for(
            [world.free_jobseekers[office].pop(0)], slot=world.open_slots[office][0]
        )[0]
    return world.viewer


def slot_choice(world: World) -> Page:
    viewer = _viewer(world)
    return Page(
        label="Slot-choice page (a day's free times)",
        path=f"/book/date/{_first_open_day(world).isoformat()}/",
        headers=viewer.headers(),
        cookies=_cookies(viewer),
    )


def slot_choice_viewers(world: World, count: int) -> list[Session]:
    """`count` more jobseekers of the viewer's office with the viewer's time chosen: each is
    served the very page the page runs measured (same office, day, language and time chosen),
    from the cache, whichever worker made it."""
    office = world.office_ids[0]
    people = [world.free_jobseekers[office].pop(0) for _ in range(count)]
    return sessions_for(people, slot=world.open_slots[office][0])


def form_submission(*, session: Session, path: str, page: Response, origin: str) -> Attempt:
    """The POST a browser sends when the person submits, unchanged, the slot-choice form of
    `page` (the answer to a GET of `path` with `session`'s cookies), with the cookies that
    answer set. LookupError when the page has no such form."""
    action, fields = posted_form(page.body.decode("utf-8", errors="replace"), having="slot")
    cookies = session.cookies()
    for line in page.headers.get("set-cookie", "").split("\n"):
        for name, morsel in SimpleCookie(line).items():
            cookies[name] = morsel.value
    headers = {
        "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
        "Content-Type": "application/x-www-form-urlencoded",
        "Origin": origin,
        "Referer": origin + path,
    }
    return Attempt(path=action or path, headers=headers, body=urlencode(fields).encode())


def _cookies(session: Session) -> dict[str, str]:
    from django.conf import settings

    return {settings.SESSION_COOKIE_NAME: session.key}


def public_pages(world: World) -> list[Page]:
    """Every public page a jobseeker sees, with the session each needs."""
    from bookings.models import Reservation
    from bookings.services.reservations import reservation_access_token
    from core.tokens import hash_token

    viewer = _viewer(world)
    cookies = _cookies(viewer)
    if world.booked_reference is None:
        reservation = (
            Reservation.objects.filter(jobseeker__email__startswith="js00-", status="confirmed")
            .order_by("pk")
            .first()
        )
        world.booked_reference = reservation.reference
        world.booked_jobseeker = reservation.jobseeker_id
        world.booked_token = reservation_access_token(reservation)
        # The loader wrote placeholder hashes; this one reservation gets its real one.
        Reservation.objects.filter(pk=reservation.pk).update(
            access_token_hash=hash_token(world.booked_token)
        )
    owner = sessions_for([world.booked_jobseeker])[0]
    return [
        Page("Start page", "/"),
        Page("Identification", "/identify/"),
        Page("Terms of use", f"/terms/{dataset.BUREAU_CODE}/"),
        Page("Privacy", "/privacy/"),
        Page("Environment checklist", "/book/checklist/", cookies=cookies),
        Page("Month calendar", "/book/date/", cookies=cookies),
        slot_choice(world),
        Page("Details", "/book/details/", cookies=cookies),
        Page("Check answers", "/book/check/", cookies=cookies),
        Page(
            "Confirmation",
            f"/book/done/{world.booked_token}/",
            cookies=_cookies(owner),
        ),
        Page("Reservation page", f"/r/{world.booked_token}/"),
    ]


def _attempt(*, slot: int, session: Session) -> Attempt:
    body = urlencode({"slot": slot, "csrfmiddlewaretoken": session.csrf}).encode()
    return Attempt(path="/book/check/", headers=session.headers(form=True), body=body)


def booking_plans(world: World, *, clients: int, each: int) -> list[list[Attempt]]:
    """`clients` lists of `each` bookings; every booking a different jobseeker and slot."""
    pairs = []
    for n in range(clients * each):
        office = world.office_ids[n % len(world.office_ids)]
        pairs.append((world.open_slots[office].pop(0), world.free_jobseekers[office].pop(0)))
    sessions = sessions_for([jobseeker for _slot, jobseeker in pairs])
    attempts = [
        _attempt(slot=slot, session=s) for (slot, _j), s in zip(pairs, sessions, strict=True)
    ]
    return [attempts[c * each : (c + 1) * each] for c in range(clients)]


def race_rounds(world: World, *, rounds: int, attempts: int):
    """Each round: one slot, `attempts` different jobseekers of its office."""
    for r in range(rounds):
        office = world.office_ids[r % len(world.office_ids)]
        slot = world.open_slots[office].pop()
        world.race_slots.append(slot)
        people = [world.free_jobseekers[office].pop() for _ in range(attempts)]
        yield [_attempt(slot=slot, session=s) for s in sessions_for(people, slot=slot)]


class _Forms(HTMLParser):
    """The POST forms of a page, with the fields a browser sends when it is submitted unchanged
    (a radio group sends its checked button, or here its first, as if the person chose it)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._open: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._open = {"method": a.get("method", "get").lower(), "action": a.get("action", "")}
            self._open["fields"] = {}
            self.forms.append(self._open)
        elif tag in ("input", "button") and self._open is not None and a.get("name"):
            kind = a.get("type", "text" if tag == "input" else "submit").lower()
            fields = self._open["fields"]
            if kind == "radio":
                if a["name"] not in fields or "checked" in a:
                    fields[a["name"]] = a.get("value", "on")
            elif kind not in ("submit", "checkbox", "image", "reset", "button"):
                fields[a["name"]] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._open = None


def posted_form(html: str, *, having: str) -> tuple[str, dict[str, str]]:
    """(action, fields) of the page's POST form that has a field `having`, as the browser would
    submit it; an empty action is the page's own URL. LookupError when the page has none."""
    parser = _Forms()
    parser.feed(html)
    for form in parser.forms:
        if form["method"] == "post" and having in form["fields"]:
            return form["action"], form["fields"]
    raise LookupError(f"no POST form with a field {having!r}")


def chose_time(status: int, location: str) -> bool:
    """The slot-choice form was accepted: the redirect to the journey's next step (a refused
    CSRF token is a 403, an invalid time the page again)."""
    return status == 302 and location.startswith(("/book/details/", "/book/check/"))


def booked(response: Response) -> bool:
    return response.status == 302 and "/book/done/" in response.headers.get("location", "")


def refused(response: Response) -> bool:
    return response.status == 409


def cleanup() -> None:
    """Drop what the run queued in Redis (the send tasks no worker consumed)."""
    import redis
    from django.conf import settings

    client = redis.Redis.from_url(settings.BENCH_REDIS_URL)
    keys = [settings.CELERY_TASK_DEFAULT_QUEUE, *client.scan_iter("hwbench*")]
    if keys:
        client.delete(*keys)
