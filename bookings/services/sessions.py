"""The session day: starting and ending a consultation, and the 10-minute no-show rule (Art 6(5))."""

import datetime as dt

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from jobseekers.models import AuditAction
from jobseekers.policy import jobseekers_noshow_policy_apply
from jobseekers.services import audit_record, audit_record_reservations
from notifications.services.outbox import no_show_queue_many

from ..errors import InvalidTransition, ReasonRequired
from ..models import NO_SHOW_AFTER, Reservation, ReservationStatus
from ..sql import db_now, id_in
from .reservations import reservation_locked

# Rows claimed per transaction: large enough that a backlog of 10,000 is swept in about a
# second (bench/noshow_sweep.py: fewer commits), small enough that a second sweeper waits on at
# most this many row locks, for about half a second.
SWEEP_BATCH = 5000


def session_start(
    *, reservation: Reservation | int, actor, now: dt.datetime | None = None
) -> Reservation:
    """The counselor starts the consultation; from now on it cannot become a no-show."""
    now = now or timezone.now()
    with transaction.atomic():
        reservation = reservation_locked(reservation)
        # Locked, so the sweep cannot claim it between this check and the save (Art 6(5)).
        if reservation.status != ReservationStatus.CONFIRMED:
            raise InvalidTransition()
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


def noshow_due_ids(*, now: dt.datetime, limit: int = SWEEP_BATCH) -> list[int]:
    """The due rows, read through the partial index `res_confirmed_start_idx`."""
    return list(
        Reservation.objects.filter(noshow_due_q(now=now))
        .order_by("starts_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


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
        no_show_queue_many(reservation_ids=reservation_ids, now=now)
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
    while True:
        ids = noshow_due_ids(now=now or db_now(), limit=SWEEP_BATCH)
        if not ids:
            return total
        claimed = _noshow_claim_batch(ids=ids, now=now)
        total += claimed
        if len(ids) < SWEEP_BATCH or claimed == 0:
            return total
