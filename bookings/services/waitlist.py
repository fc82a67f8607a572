"""「空きが出たら知らせる」: asking to be told when a time frees up, and telling the first ones.

A jobseeker who finds a day (or the week around it) with no free time may ask to be emailed
when one frees up (`waitlist_request_create`). When a time frees up — a reservation is
cancelled on any channel, slots are added, or a blocked slot is opened — the oldest waiting
requests that cover its day are marked told and announced (`waitlist_offered`, received by
notifications, which queues one email per request through the outbox, once: the key is the
request's). At most `WAITLIST_PER_TIME` are told per freed time: enough that a time does not
stay free because the first one told is busy, few enough that most of those told still find
it free. Nothing is held: the email says a time is free; the first to book it has it.

A request ends when it is told, withdrawn, or its range is over (`WaitlistQuerySet.active`:
a query condition, no sweep). A time is announced only while the web journey could book it
(after now, before the cut-off of Art 6(1), within the horizon), and only to a jobseeker who
may book now (not suspended, registration valid, under the upcoming limit: `booking_gate`).
"""

import datetime as dt
import hashlib
import hmac
from collections.abc import Iterable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q

from core.calendar import TOKYO, booking_deadline, closed_reason, tokyo_date
from core.errors import DomainError
from core.tokens import new_nonce
from jobseekers.models import Jobseeker
from offices.models import Office

from ..errors import WaitlistNotFound, WaitlistNotOpen
from ..events import waitlist_offered, waitlist_requested
from ..models import WaitlistRequest, WaitlistScope
from .reservations import booking_gate, horizon_end

# How many waiting jobseekers one freed time is announced to (oldest first).
WAITLIST_PER_TIME = 3


def waitlist_range(day: dt.date, scope: str) -> tuple[dt.date, dt.date]:
    """The days a request covers: the day, or its week from Monday to Sunday."""
    if scope == WaitlistScope.WEEK:
        monday = day - dt.timedelta(days=day.weekday())
        return monday, monday + dt.timedelta(days=6)
    return day, day


def _day_open(*, office: Office, day: dt.date, closed: set[dt.date], now: dt.datetime) -> bool:
    """Could a time on `day` still be booked online by this office's jobseekers?"""
    if day < tokyo_date(now):
        return False
    # An office that shows the bureau's times may see other offices' slots on its own closed
    # day; the country's closed days (weekends, holidays, the year end) close them all.
    if closed_reason(day, set() if office.other_offices_slots_visible else closed):
        return False
    noon = dt.datetime.combine(day, dt.time(12), tzinfo=TOKYO)
    deadline = booking_deadline(
        starts_at=noon, cutoff_days_before=office.cutoff_days_before, cutoff_hour=office.cutoff_hour
    )
    if now >= deadline:
        return False
    return day < tokyo_date(horizon_end(office=office, now=now))


def waitlist_open_days(
    *, jobseeker: Jobseeker, first: dt.date, last: dt.date, now: dt.datetime
) -> list[dt.date]:
    """The days of first..last a time could still be booked online on (what is worth waiting
    for)."""
    office = jobseeker.office
    closed = set(
        office.closed_days.filter(date__range=(first, last)).values_list("date", flat=True)
    )
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    return [d for d in days if _day_open(office=office, day=d, closed=closed, now=now)]


def waitlist_request_create(
    *, jobseeker: Jobseeker, day: dt.date, scope: str, now: dt.datetime
) -> WaitlistRequest:
    """Ask to be told when a time frees up on `day` or in its week; asked twice, the same
    request. Refused (a `DomainError`) when the jobseeker may not book online now, or when no
    day of the range can still be booked."""
    booking_gate(jobseeker=jobseeker, now=now)
    first, last = waitlist_range(day, scope)
    if not waitlist_open_days(jobseeker=jobseeker, first=first, last=last, now=now):
        raise WaitlistNotOpen()
    today = tokyo_date(now)
    existing = WaitlistRequest.objects.active(today=today).filter(
        jobseeker=jobseeker, first_day=first, last_day=last
    )
    try:
        with transaction.atomic():
            found = existing.first()
            if found is not None:
                return found
            request = WaitlistRequest.objects.create(
                jobseeker=jobseeker,
                office_id=jobseeker.office_id,
                scope=scope,
                first_day=first,
                last_day=last,
                created_at=now,
                access_nonce=new_nonce(),
            )
            waitlist_requested.send(sender=WaitlistRequest, request_ids=[request.pk], now=now)
            return request
    except IntegrityError:
        # Sent twice at once: the unique index kept one; that one is the answer.
        found = existing.first()
        if found is None:
            raise
        return found


def waitlist_active(*, jobseeker_id: int, now: dt.datetime) -> list[WaitlistRequest]:
    """The jobseeker's waiting requests, soonest range first."""
    return list(
        WaitlistRequest.objects.active(today=tokyo_date(now))
        .filter(jobseeker_id=jobseeker_id)
        .order_by("first_day", "last_day", "pk")
    )


def waitlist_covering(
    *, jobseeker_id: int, day: dt.date, now: dt.datetime
) -> WaitlistRequest | None:
    """The jobseeker's waiting request that covers `day` (the day's before the week's)."""
    return (
        WaitlistRequest.objects.active(today=tokyo_date(now))
        .filter(jobseeker_id=jobseeker_id, first_day__lte=day, last_day__gte=day)
        .order_by("-first_day", "last_day", "pk")
        .first()
    )


def waitlist_withdraw(
    *, request_id: int, jobseeker_id: int | None = None, now: dt.datetime
) -> WaitlistRequest:
    """Withdraw a waiting request (the jobseeker's own when `jobseeker_id` is given). A request
    already withdrawn, told or over is left as it is and returned; one not found (or another
    jobseeker's) is `WaitlistNotFound`."""
    rows = WaitlistRequest.objects.filter(pk=request_id)
    if jobseeker_id is not None:
        rows = rows.filter(jobseeker_id=jobseeker_id)
    with transaction.atomic():
        request = rows.select_for_update().first()
        if request is None:
            raise WaitlistNotFound()
        if request.notified_at is None and request.withdrawn_at is None:
            request.withdrawn_at = now
            request.save(update_fields=["withdrawn_at"])
    return request


def _mac(request_id: int, nonce: str) -> str:
    return hmac.new(
        settings.SECRET_KEY.encode(),
        f"waitlist-withdraw:{request_id}:{nonce}".encode(),
        hashlib.sha256,
    ).hexdigest()


def waitlist_withdraw_token(request: WaitlistRequest) -> str:
    """The token of the email's withdraw link: the request's id and an HMAC over its nonce."""
    return f"{request.pk}-{_mac(request.pk, request.access_nonce)}"


def waitlist_by_token(token: str) -> WaitlistRequest | None:
    pk, _dash, mac = token.partition("-")
    if not pk.isdigit() or len(pk) > 12:
        return None
    request = WaitlistRequest.objects.filter(pk=int(pk)).select_related("office").first()
    if request is None or not hmac.compare_digest(mac, _mac(request.pk, request.access_nonce)):
        return None
    return request


def _watching_offices(office: Office) -> list[int]:
    """The offices whose jobseekers see `office`'s times: itself, and the offices of its bureau
    that show the bureau's times (while it is active)."""
    ids = [office.pk]
    if office.is_active:
        ids += (
            Office.objects.filter(bureau_id=office.bureau_id, other_offices_slots_visible=True)
            .exclude(pk=office.pk)
            .values_list("pk", flat=True)
        )
    return ids


def _bookable(*, office: Office, starts_at: dt.datetime, now: dt.datetime) -> bool:
    """The rules of the web journey that depend on the moment (as `reservation_create`)."""
    if starts_at <= now:
        return False
    deadline = booking_deadline(
        starts_at=starts_at,
        cutoff_days_before=office.cutoff_days_before,
        cutoff_hour=office.cutoff_hour,
    )
    return now < deadline and starts_at < horizon_end(office=office, now=now)


def _may_book(jobseeker: Jobseeker, now: dt.datetime) -> bool:
    try:
        booking_gate(jobseeker=jobseeker, now=now)
    except DomainError:  # suspended, registration expired, at the upcoming limit: not told
        return False
    return True


def waitlist_times_freed(
    *, office_id: int, starts: Iterable[dt.datetime], now: dt.datetime
) -> list[int]:
    """Times of `office` became free (in the caller's transaction): tell the oldest waiting
    requests covering their days, up to `WAITLIST_PER_TIME` per time; the ids told.

    The requests are locked with SKIP LOCKED: two transactions freeing times at once tell
    different jobseekers, never one twice (and the outbox key is the request's besides).
    """
    office = Office.objects.filter(pk=office_id).first()
    if office is None:
        return []
    times = sorted(s for s in starts if _bookable(office=office, starts_at=s, now=now))
    if not times:
        return []
    days = [tokyo_date(s) for s in times]
    today = tokyo_date(now)
    candidates = list(
        WaitlistRequest.objects.active(today=today)
        .filter(
            office_id__in=_watching_offices(office),
            first_day__lte=max(days),
            last_day__gte=min(days),
            jobseeker__suspended=False,
            jobseeker__anonymised_at__isnull=True,
        )
        .select_related("jobseeker__office")
        .select_for_update(skip_locked=True, of=("self",))
        .order_by("created_at", "pk")
    )
    if not candidates:
        return []
    told: dict[int, dt.date] = {}
    refused: set[int] = set()
    for day in days:
        count = 0
        for request in candidates:
            if count >= WAITLIST_PER_TIME:
                break
            if request.pk in told or request.jobseeker_id in refused:
                continue
            if not request.first_day <= day <= request.last_day:
                continue
            if not _may_book(request.jobseeker, now):
                refused.add(request.jobseeker_id)
                continue
            told[request.pk] = day
            count += 1
    if not told:
        return []
    by_day: dict[dt.date, list[int]] = {}
    for pk, day in told.items():
        by_day.setdefault(day, []).append(pk)
    for day, ids in by_day.items():
        WaitlistRequest.objects.filter(Q(pk__in=ids)).update(notified_at=now, offered_day=day)
    ids = sorted(told)
    waitlist_offered.send(sender=WaitlistRequest, request_ids=ids, now=now)
    return ids


def waitlist_waiting_counts(
    *, offices, first: dt.date, last: dt.date, now: dt.datetime
) -> dict[dt.date, int]:
    """{day: how many waiting requests of these offices' jobseekers cover it}, first..last
    (from today on: a past day has nothing to wait for)."""
    today = tokyo_date(now)
    first = max(first, today)
    rows = (
        WaitlistRequest.objects.active(today=today)
        .filter(office__in=offices, first_day__lte=last, last_day__gte=first)
        .values_list("first_day", "last_day")
    )
    counts: dict[dt.date, int] = {}
    for start, end in rows:
        day = max(start, first)
        while day <= min(end, last):
            counts[day] = counts.get(day, 0) + 1
            day += dt.timedelta(days=1)
    return counts
