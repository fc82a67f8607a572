"""The session day: starting and ending a consultation, and the 10-minute no-show rule (Art 6(5))."""

import datetime as dt

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import lazy

from bookings.audit import audit_record_reservations
from bookings.policy import jobseekers_noshow_policy_apply
from core.calendar import format_jp_datetime, tokyo_date, tokyo_day_bounds
from core.sql import db_now, id_in
from core.sweeps import STOPS_THE_JOB, each_id
from jobseekers.models import AuditAction
from jobseekers.services import audit_record

from ..errors import (
    BookingError,
    InvalidTransition,
    NoShowNotDue,
    ReasonRequired,
    SessionDayPassed,
    SessionTooEarly,
)
from ..events import reservations_no_show
from ..models import NO_SHOW_AFTER, Reservation, ReservationStatus
from .reservations import reservation_locked

# Rows claimed per transaction: large enough that a backlog of 10,000 is swept in about a
# second (bench/noshow_sweep.py: fewer commits), small enough that a second sweeper waits on at
# most this many row locks, for about half a second.
SWEEP_BATCH = 5000


def session_start_opens_at(*, reservation: Reservation) -> dt.datetime:
    """The earliest moment the consultation can be started: SESSION_START_LEAD_MINUTES before
    it begins, and never before its own day begins (Asia/Tokyo)."""
    lead = dt.timedelta(minutes=settings.SESSION_START_LEAD_MINUTES)
    day_begins, _day_ends = tokyo_day_bounds(tokyo_date(reservation.starts_at))
    return max(reservation.starts_at - lead, day_begins)


def session_start_refusal(*, reservation: Reservation, now: dt.datetime) -> BookingError | None:
    """Why `session_start` would refuse this reservation at `now`, or None when it would start.

    Pages ask this to offer the start button only when the service would accept it. A started
    reservation can no longer become a no-show nor be cancelled by phone, and a follow-up can
    be booked from it: so it is started only on its own day, shortly before it begins at the
    earliest (Art 6(4), 6(5)).
    """
    if reservation.status != ReservationStatus.CONFIRMED:
        return InvalidTransition()
    if tokyo_date(now) > tokyo_date(reservation.starts_at):
        return SessionDayPassed()
    opens_at = session_start_opens_at(reservation=reservation)
    if now < opens_at:
        # Written out in the reader's language when the message is shown.
        when = lazy(format_jp_datetime, str)(opens_at)
        return SessionTooEarly(opens_at=when, minutes=settings.SESSION_START_LEAD_MINUTES)
    return None


def session_start(
    *, reservation: Reservation | int, actor, now: dt.datetime | None = None
) -> Reservation:
    """The counselor starts the consultation; from now on it cannot become a no-show.

    Only on the reservation's own day, from SESSION_START_LEAD_MINUTES before it begins
    (`session_start_refusal`).
    """
    now = now or timezone.now()
    with transaction.atomic():
        reservation = reservation_locked(reservation)
        # Locked, so the sweep cannot claim it between this check and the save (Art 6(5)).
        refusal = session_start_refusal(reservation=reservation, now=now)
        if refusal is not None:
            raise refusal
        reservation.status = ReservationStatus.IN_SESSION
        reservation.started_at = now
        reservation.save(update_fields=["status", "started_at", "updated_at"])
        audit_record(
            action=AuditAction.SESSION_START,
            actor=actor,
            jobseeker=reservation.jobseeker,
            target=f"reservation:{reservation.pk}",
            now=now,
        )
    return reservation


def session_end(
    *,
    reservation: Reservation | int,
    actor,
    outcome: str = "",
    now: dt.datetime | None = None,
) -> Reservation:
    """The consultation ended normally, with an optional short outcome."""
    now = now or timezone.now()
    with transaction.atomic():
        reservation = reservation_locked(reservation)
        if reservation.status != ReservationStatus.IN_SESSION:
            raise InvalidTransition()
        reservation.status = ReservationStatus.COMPLETED
        reservation.ended_at = now
        reservation.outcome = outcome.strip()[:500]
        reservation.save(update_fields=["status", "ended_at", "outcome", "updated_at"])
        audit_record(
            action=AuditAction.SESSION_END,
            actor=actor,
            jobseeker=reservation.jobseeker,
            target=f"reservation:{reservation.pk}",
            detail="completed",
            now=now,
        )
    return reservation


def session_outcome_set(
    *, reservation: Reservation | int, actor, outcome: str, now: dt.datetime | None = None
) -> Reservation:
    """Write or correct the outcome of a consultation that ended normally (after the end, the
    counselor may note it once the follow-up is booked)."""
    now = now or timezone.now()
    with transaction.atomic():
        reservation = reservation_locked(reservation)
        if reservation.status != ReservationStatus.COMPLETED:
            raise InvalidTransition()
        reservation.outcome = outcome.strip()[:500]
        reservation.save(update_fields=["outcome", "updated_at"])
        audit_record(
            action=AuditAction.CHANGE,
            actor=actor,
            jobseeker=reservation.jobseeker,
            target=f"reservation:{reservation.pk}",
            detail="outcome",
            now=now,
        )
    return reservation


def session_end_early(
    *,
    reservation: Reservation | int,
    actor,
    reason: str,
    now: dt.datetime | None = None,
) -> Reservation:
    """Stop a session for threats, abuse or use for other purposes (Art 13(1)); a reason is due."""
    now = now or timezone.now()
    reason = reason.strip()
    if not reason:
        raise ReasonRequired()
    with transaction.atomic():
        reservation = reservation_locked(reservation)
        if reservation.status != ReservationStatus.IN_SESSION:
            raise InvalidTransition()
        reservation.status = ReservationStatus.ENDED_EARLY
        reservation.ended_at = now
        reservation.end_reason = reason[:500]
        reservation.save(update_fields=["status", "ended_at", "end_reason", "updated_at"])
        # The reason may name the person or what they said: it stays on the reservation only.
        audit_record(
            action=AuditAction.SESSION_END,
            actor=actor,
            jobseeker=reservation.jobseeker,
            target=f"reservation:{reservation.pk}",
            detail="ended_early",
            now=now,
        )
    return reservation


def noshow_due_q(*, now: dt.datetime) -> Q:
    """Art 6(5): confirmed, not started, no late notice, and 10 minutes past the start."""
    return Q(
        status=ReservationStatus.CONFIRMED,
        started_at__isnull=True,
        late_notice_at__isnull=True,
        starts_at__lte=now - NO_SHOW_AFTER,
    )


def noshow_record_refusal(*, reservation: Reservation, now: dt.datetime) -> BookingError | None:
    """Why staff cannot record this reservation as a no-show at `now`, or None (Art 6(5)).

    The same condition as the sweep's (`noshow_due_q`): the page offers the button exactly
    when the sweep would claim the row, and `noshow_record` checks it again under the lock.
    """
    if (
        reservation.status != ReservationStatus.CONFIRMED
        or reservation.started_at is not None
        or reservation.late_notice_at is not None
        or now < reservation.starts_at + NO_SHOW_AFTER
    ):
        return NoShowNotDue()
    return None


def noshow_record(
    *, reservation: Reservation | int, actor, now: dt.datetime | None = None
) -> Reservation:
    """A counselor records the no-show the sweep would record on its next run (Art 6(5)).

    The row is claimed by the sweep's own conditional update, so a no-show is counted once
    whoever gets there first; the email, the audit entry and the refusal policy follow as
    for the sweep's.
    """
    now = now or timezone.now()
    pk = reservation if isinstance(reservation, int) else reservation.pk
    with transaction.atomic():
        claimed = _noshow_claim(ids=[pk], now=now)
        if not claimed:
            raise NoShowNotDue()
        reservations_no_show.send(sender=Reservation, reservation_ids=[pk], now=now)
        reservation = Reservation.objects.select_related("jobseeker").get(pk=pk)
        audit_record(
            action=AuditAction.NO_SHOW,
            actor=actor,
            jobseeker=reservation.jobseeker,
            target=f"reservation:{pk}",
            detail="recorded by staff: 10 minutes past the start without contact",
            now=now,
        )
        jobseekers_noshow_policy_apply(jobseeker_ids=[claimed[0][1]], now=now)
    return reservation


def noshow_due_ids(
    *, now: dt.datetime, limit: int = SWEEP_BATCH, skip: set[int] | frozenset = frozenset()
) -> list[int]:
    """The due rows, read through the partial index `res_confirmed_start_idx`."""
    due = Reservation.objects.filter(noshow_due_q(now=now))
    if skip:
        due = due.exclude(pk__in=skip)
    return list(due.order_by("starts_at", "pk").values_list("pk", flat=True)[:limit])


def _noshow_claim(*, ids: list[int], now: dt.datetime) -> list[tuple[int, int]]:
    """Claim the due rows among `ids`; returns (pk, jobseeker_id) of those this sweeper took.

    healthchecks' sendalerts claims each row with a conditional update; this is the same
    conditional update for a batch, with RETURNING naming the rows it changed. A row a second
    sweeper took first, or one started or given a late notice meanwhile, no longer matches the
    WHERE and is not returned, so each no-show is counted once. One statement instead of one
    per row keeps a sweep of 10,000 due rows under a second.
    """
    table = Reservation._meta.db_table
    ids_sql, ids_params = id_in("id", ids)
    # Only the table name (from the model) and id_in() are formatted in; values are bound.
    sql = (
        f"UPDATE {table} SET status = %s, no_show_at = %s, updated_at = %s, "  # noqa: S608
        f"sequence = sequence + 1 WHERE {ids_sql} AND status = %s "
        "AND started_at IS NULL AND late_notice_at IS NULL AND starts_at <= %s "
        "RETURNING id, jobseeker_id"
    )
    params = [
        ReservationStatus.NO_SHOW.value,
        now,
        now,
        *ids_params,
        ReservationStatus.CONFIRMED.value,
        now - NO_SHOW_AFTER,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(row[0], row[1]) for row in cursor.fetchall()]


def _noshow_claim_batch(*, ids: list[int], now: dt.datetime | None) -> int:
    """Claim, notify, audit and apply the refusal policy for one batch, in one transaction.

    Without `now` (a test's), the database's clock read as the transaction begins decides and
    is what `no_show_at` records: the 10 minutes are measured on the clock `starts_at` is
    compared with in the database, never on this host's.
    """
    with transaction.atomic():
        now = now or db_now()
        claimed = _noshow_claim(ids=ids, now=now)
        if not claimed:
            return 0
        reservation_ids = [pk for pk, _ in claimed]
        reservations_no_show.send(sender=Reservation, reservation_ids=reservation_ids, now=now)
        audit_record_reservations(
            action=AuditAction.NO_SHOW,
            reservation_ids=reservation_ids,
            detail="automatic: 10 minutes past the start without contact",
            now=now,
        )
        jobseekers_noshow_policy_apply(
            jobseeker_ids=sorted({jobseeker_id for _, jobseeker_id in claimed}), now=now
        )
    return len(claimed)


def noshow_sweep(*, now: dt.datetime | None = None) -> int:
    """Turn every due reservation into a no-show; safe with two sweepers. Returns how many.

    Art 6(5)'s 10 minutes are counted on the database's clock, never on the clock of the host
    the sweep runs on (one running ahead would mark people no-show early). `now` is for tests.
    """
    total = 0
    skipped: set[int] = set()
    while True:
        ids = noshow_due_ids(now=now or db_now(), limit=SWEEP_BATCH, skip=skipped)
        if not ids:
            return total
        try:
            claimed = _noshow_claim_batch(ids=ids, now=now)
        except STOPS_THE_JOB:
            raise
        except Exception:  # noqa: BLE001 - a row the batch could not take: one by one
            # Each row on its own: the one that fails is logged and skipped (left due for the
            # next run), every other no-show of every office is still recorded.
            claimed = sum(
                each_id(
                    ids,
                    lambda pk: _noshow_claim_batch(ids=[pk], now=now),
                    job="no-show sweep",
                    skipped=skipped,
                )
            )
        total += claimed
        if len(ids) < SWEEP_BATCH or claimed == 0:
            return total
