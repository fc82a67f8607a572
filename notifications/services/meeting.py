"""Staff give a reservation that had no meeting URL one, and its invitation goes out (Art 6(3)).

Which URL a reservation gets is a booking rule: `bookings/meeting.py`.
"""

import datetime as dt
import enum
import logging
import random
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial

from django.db import connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from bookings.meeting import (
    INVALID_URL,
    MEETING_PENDING,
    meeting_made_online,
    meeting_url_for,
    meeting_url_valid,
)
from bookings.models import SLOT_LENGTH, Reservation, ReservationStatus
from core.sql import id_set
from meetings.errors import (
    ConfigurationError,
    CredentialError,
    MeetingError,
    NotFound,
    RateLimited,
)
from meetings.providers import ONLINE as ONLINE_PROVIDERS
from meetings.providers import (
    MeetingProvider,
    MeetingRef,
    MeetingRequest,
    UrlTemplateProvider,
    provider_for,
)
from offices.models import Office

from ..errors import NotificationError
from ..queue import publish
from .outbox import invitation_queue, invitation_release, invitation_wait

# The providers that make a meeting at a video service (`Reservation.meeting_provider`).
ONLINE = tuple(ONLINE_PROVIDERS)


class MeetingUrlUnavailable(NotificationError):
    code = "meeting_url_unavailable"

    def __init__(self, problem: str):
        super().__init__(problem)
        self.problem = problem


def reservation_meeting_url_retry(
    *, reservation: Reservation | int, url: str = "", now: dt.datetime | None = None
) -> Reservation:
    """Give a reservation that had none a meeting URL (typed by staff, or made again) and queue
    its invitation. Raises MeetingUrlUnavailable with the reason when there is still none."""
    now = now or timezone.now()
    pk = reservation if isinstance(reservation, int) else reservation.pk
    with transaction.atomic():
        reservation = (
            Reservation.objects.select_for_update(of=("self",))
            .select_related("slot__counselor", "office", "jobseeker")
            .get(pk=pk)
        )
        if reservation.status != ReservationStatus.CONFIRMED:
            raise MeetingUrlUnavailable(gettext_noop("The reservation is no longer confirmed."))
        url = url.strip()
        if not url and meeting_made_online(reservation.office):
            # The office's video service makes it: the task does, and then sends the invitation.
            reservation.meeting_provider = reservation.office.meeting_url_mode
            reservation.meeting_url_problem = MEETING_PENDING
            reservation.meeting_attempts = 0
            reservation.meeting_next_attempt_at = now
            reservation.save(
                update_fields=[
                    "meeting_provider",
                    "meeting_url_problem",
                    "meeting_attempts",
                    "meeting_next_attempt_at",
                    "updated_at",
                ]
            )
            invitation_queue(reservation=reservation, now=now, waiting=MEETING_PENDING)
            invitation_wait(reservation=reservation, reason=MEETING_PENDING, now=now)
            meeting_sync_publish(reservation.pk)
            return reservation
        if url:
            problem = "" if meeting_url_valid(url) else INVALID_URL
        else:
            url, problem = meeting_url_for(slot=reservation.slot, office=reservation.office)
        if problem:
            reservation.meeting_url_problem = problem
            reservation.save(update_fields=["meeting_url_problem", "updated_at"])
        else:
            reservation.meeting_url = url
            reservation.meeting_url_problem = ""
            reservation.save(update_fields=["meeting_url", "meeting_url_problem", "updated_at"])
            invitation_queue(reservation=reservation, now=now)
    if problem:
        raise MeetingUrlUnavailable(problem)
    return reservation


# --- Meetings at the office's video service (issue 20, docs/meetings.md) -------------------
#
# A reservation of an office on Zoom, Webex or Teams is booked without a URL
# (`bookings.meeting.MEETING_PENDING`) and with `meeting_provider` set; its invitation is
# written "waiting". `reservation_meeting_sync`, run by the Celery task `notifications.
# meeting_sync` after the booking, a time change, a cancellation or a no-show commits, brings
# the meeting at the service in line with the reservation: it makes it (then queues the
# invitation), moves it (then queues the new version's invitation), or removes it. Every step
# is recorded on the reservation, so a task run twice does nothing twice, and the providers'
# `create` finds a meeting a lost answer left behind.

MEETING_MOVING = gettext_noop("Waiting for the video service to move the meeting.")
MEETING_GAVE_UP = gettext_noop(
    "The video service did not make the meeting in time. Retry, or use the office's fallback URL."
)
NO_MEETING_ACCOUNT = gettext_noop("The counselor has no account on the video service.")
NOT_WAITING = gettext_noop("This reservation's meeting is not made at a video service.")
ALREADY_MADE = gettext_noop("The video service has made this reservation's meeting already.")
NO_FALLBACK = gettext_noop("The office has no fallback URL template with {token}.")

# A step that failed for a while is tried again after 30 s, 1, 2, 4 … minutes, at most every
# 15 minutes; a make or a move until the consultation starts (the invitation is worthless after
# it), a removal this many times.
RETRY_BASE = 30.0
RETRY_MAX = 15 * 60.0
MAX_DELETE_ATTEMPTS = 20
# Another worker holds the reservation's meeting lock: come back after this long.
BUSY_RETRY = 5.0
# The sweep takes a step whose time has come this long ago (the task on the queue had it).
SWEEP_GRACE = dt.timedelta(seconds=60)
MEETING_SYNC_TASK = "notifications.meeting_sync"

logger = logging.getLogger(__name__)


class Step(enum.StrEnum):
    CREATED = "created"
    MOVED = "moved"
    DELETED = "deleted"
    UNCHANGED = "unchanged"
    RETRY = "retry"
    FAILED = "failed"
    BUSY = "busy"
    AGAIN = "again"  # the reservation changed while the service was called


@dataclass(frozen=True)
class SyncResult:
    step: Step
    retry_in: float | None = None


def _msgid(message) -> str:
    """The untranslated text of a (lazy) message: stored, and translated where staff read it."""
    with translation.override(None):
        return str(message)


def meeting_sync_publish(reservation_id: int) -> None:
    """Start the reservation's meeting task after the caller's commit (never in the request);
    a message the broker loses is taken up by the meeting sweep (`meeting_next_attempt_at`)."""
    transaction.on_commit(partial(publish, MEETING_SYNC_TASK, (reservation_id,)), robust=True)


def meeting_step_due(*, reservation_ids: list[int], now: dt.datetime) -> list[int]:
    """Mark the meetings of these reservations as having a step due now and start their task
    after commit; only those made at a video service. Returns their ids."""
    if not reservation_ids:
        return []
    ids = list(
        Reservation.objects.filter(
            pk__in=id_set(reservation_ids), meeting_provider__in=ONLINE
        ).values_list("pk", flat=True)
    )
    if ids:
        Reservation.objects.filter(pk__in=ids).update(
            meeting_next_attempt_at=now, meeting_attempts=0
        )
        for pk in ids:
            meeting_sync_publish(pk)
    return ids


def meeting_moved(*, reservation: Reservation, now: dt.datetime) -> bool:
    """A reservation moved to another time (`reservation_moved`, in the mover's transaction).

    Its meeting at a video service is moved after commit, and the new version's invitation
    waits for it; a reservation of an office on a service that has none there yet (a fallback
    URL, or booked before the office chose the service) gets one made. False when the meeting
    is not at a video service: the caller queues the invitation as it stands.
    """
    office = reservation.office
    if reservation.meeting_provider in ONLINE:
        reason = MEETING_MOVING if reservation.meeting_provider_id else MEETING_PENDING
    elif meeting_made_online(office):
        reservation.meeting_provider = office.meeting_url_mode
        reservation.meeting_provider_id = ""
        reservation.meeting_passcode = ""
        reservation.meeting_starts_at = None
        reservation.save(
            update_fields=[
                "meeting_provider",
                "meeting_provider_id",
                "meeting_passcode",
                "meeting_starts_at",
                "updated_at",
            ]
        )
        reason = MEETING_PENDING
    else:
        return False
    # The URL of the old time stays usable only once the service has moved the meeting.
    Reservation.objects.filter(pk=reservation.pk).update(meeting_url_problem=reason)
    reservation.meeting_url_problem = reason
    invitation_queue(reservation=reservation, now=now, waiting=reason)
    meeting_step_due(reservation_ids=[reservation.pk], now=now)
    return True


@contextmanager
def _meeting_lock(reservation_id: int):
    """One worker at a time per reservation's meeting (a PostgreSQL advisory lock, held across
    the call to the service without holding a row lock); yields False when another holds it."""
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [MEETING_LOCK_CLASS, reservation_id])
        got = cursor.fetchone()[0]
    try:
        yield got
    finally:
        if got:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_unlock(%s, %s)", [MEETING_LOCK_CLASS, reservation_id]
                )


MEETING_LOCK_CLASS = 20_20  # the advisory-lock class of reservations' meetings (issue 20)


def _provider(reservation: Reservation) -> MeetingProvider:
    office = reservation.office
    return provider_for(
        reservation.meeting_provider,
        bureau=office.bureau.code,
        template=office.meeting_url_template,
    )


def _request(reservation: Reservation, host: str) -> MeetingRequest:
    return MeetingRequest(
        reference=reservation.reference,
        start=reservation.starts_at,
        duration_minutes=int(SLOT_LENGTH.total_seconds() // 60),
        host_account=host,
    )


def _recorded_ref(reservation: Reservation) -> MeetingRef:
    return MeetingRef(
        provider_id=reservation.meeting_provider_id,
        join_url=reservation.meeting_url,
        passcode=reservation.meeting_passcode or None,
        host_account=reservation.meeting_host_account,
    )


def _snapshot(reservation: Reservation) -> tuple:
    return (reservation.status, reservation.starts_at, reservation.sequence, reservation.slot_id)


def _load(reservation_id: int, *, lock: bool = False) -> Reservation:
    rows = Reservation.objects.select_related("office__bureau", "slot__counselor", "jobseeker")
    if lock:
        rows = rows.select_for_update(of=("self",))
    return rows.get(pk=reservation_id)


def office_provider_failing(*, office_id: int, reason: str, now: dt.datetime) -> None:
    """The office's video service refused its credentials or its setting: staff see it on the
    dashboard and in the list of invitations not sent until a step succeeds there."""
    Office.objects.filter(pk=office_id).update(
        meeting_provider_failure=reason[:300],
        meeting_provider_failing_since=Coalesce(F("meeting_provider_failing_since"), Value(now)),
    )


def office_provider_working(*, office_id: int) -> None:
    Office.objects.filter(pk=office_id, meeting_provider_failing_since__isnull=False).update(
        meeting_provider_failing_since=None, meeting_provider_failure=""
    )


def reservation_meeting_sync(*, reservation_id: int, now: dt.datetime | None = None) -> SyncResult:
    """Bring the reservation's meeting at its video service in line with the reservation.

    Safe to run twice and from two workers: one at a time holds the reservation's lock (the
    other comes back), every step is recorded before the next is chosen, and a make finds the
    meeting a lost answer left behind. When the reservation changed during the call (a
    cancellation while the meeting was being made), the next step follows at once.
    """
    with _meeting_lock(reservation_id) as got:
        if not got:
            return SyncResult(Step.BUSY, retry_in=BUSY_RETRY)
        result = SyncResult(Step.UNCHANGED)
        for _round in range(3):
            result = _sync_step(reservation_id, now or timezone.now())
            if result.step != Step.AGAIN:
                return result
        return SyncResult(Step.RETRY, retry_in=BUSY_RETRY)


def _sync_step(reservation_id: int, now: dt.datetime) -> SyncResult:
    try:
        reservation = _load(reservation_id)
    except Reservation.DoesNotExist:
        return SyncResult(Step.UNCHANGED)
    if reservation.meeting_provider not in ONLINE:
        # A room, a template URL or staff's fallback: nothing at a service to keep in line.
        _step_done(reservation, now)
        return SyncResult(Step.UNCHANGED)
    if reservation.status == ReservationStatus.CONFIRMED and reservation.ends_at > now:
        return _keep(reservation, now)
    if reservation.status in (ReservationStatus.CANCELLED, ReservationStatus.NO_SHOW):
        return _remove(reservation, now)
    # Held, in session or over: the meeting stays as it was (the counselor is in it).
    _step_done(reservation, now)
    return SyncResult(Step.UNCHANGED)


def _step_done(reservation: Reservation, now: dt.datetime) -> None:
    with transaction.atomic():
        row = _load(reservation.pk, lock=True)
        if row.meeting_next_attempt_at is not None or row.meeting_attempts:
            row.meeting_next_attempt_at = None
            row.meeting_attempts = 0
            row.save(update_fields=["meeting_next_attempt_at", "meeting_attempts", "updated_at"])
        if row.status == ReservationStatus.CONFIRMED and row.meeting_url:
            if row.meeting_provider not in ONLINE or row.meeting_starts_at == row.starts_at:
                invitation_release(reservation=row, now=now)


def _keep(reservation: Reservation, now: dt.datetime) -> SyncResult:
    """The confirmed reservation's meeting: made, or moved to its time (or to its counselor)."""
    host = reservation.slot.counselor.meeting_account.strip()
    recorded = bool(reservation.meeting_provider_id)
    if (
        recorded
        and reservation.meeting_starts_at == reservation.starts_at
        and reservation.meeting_host_account == host
    ):
        _step_done(reservation, now)
        return SyncResult(Step.UNCHANGED)
    if not host:
        return _failed(reservation, None, now, reason=NO_MEETING_ACCOUNT)
    before = _snapshot(reservation)
    try:
        provider = _provider(reservation)
    except MeetingError as error:
        return _failed(reservation, error, now, office_fault=True)
    try:
        request = _request(reservation, host)
        if not recorded:
            ref, step = provider.create(request), Step.CREATED
        elif reservation.meeting_host_account != host:
            # Another counselor: the meeting is theirs now (a new one, the old one removed).
            ref, step = provider.create(request), Step.MOVED
            _delete_quietly(provider, _recorded_ref(reservation))
        else:
            try:
                ref, step = provider.update(_recorded_ref(reservation), request), Step.MOVED
            except NotFound:
                # Removed at the service by hand: a new one, and the invitation says where.
                ref, step = provider.create(request), Step.CREATED
    except MeetingError as error:
        return _failed(reservation, error, now)
    with transaction.atomic():
        row = _load(reservation.pk, lock=True)
        row.meeting_provider_id = ref.provider_id
        row.meeting_host_account = ref.host_account or host
        row.meeting_passcode = (ref.passcode or "")[:50]
        row.meeting_url = ref.join_url or row.meeting_url
        row.meeting_url_problem = ""
        row.meeting_starts_at = request.start
        row.meeting_attempts = 0
        row.meeting_next_attempt_at = None
        row.save(
            update_fields=[
                "meeting_provider_id",
                "meeting_host_account",
                "meeting_passcode",
                "meeting_url",
                "meeting_url_problem",
                "meeting_starts_at",
                "meeting_attempts",
                "meeting_next_attempt_at",
                "updated_at",
            ]
        )
        office_provider_working(office_id=row.office_id)
        changed = _snapshot(row) != before
        if not changed:
            invitation_release(reservation=row, now=now)
    logger.info("meeting %s reservation=%s provider=%s", step, reservation.pk, row.meeting_provider)
    return SyncResult(Step.AGAIN if changed else step)


def _delete_quietly(provider: MeetingProvider, ref: MeetingRef) -> None:
    try:
        provider.delete(ref)
    except NotFound:
        pass


def _remove(reservation: Reservation, now: dt.datetime) -> SyncResult:
    """A cancelled or missed reservation's meeting is removed from the service."""
    before = _snapshot(reservation)
    try:
        provider = _provider(reservation)
    except MeetingError as error:
        return _failed(reservation, error, now, removing=True, office_fault=True)
    try:
        ref = _recorded_ref(reservation) if reservation.meeting_provider_id else None
        if ref is None:
            # Never recorded (the answer to the make was lost, or it failed): look for it.
            host = reservation.meeting_host_account or reservation.slot.counselor.meeting_account
            ref = provider.find_existing(_request(reservation, host)) if host.strip() else None
        if ref is not None:
            _delete_quietly(provider, ref)
    except MeetingError as error:
        return _failed(reservation, error, now, removing=True)
    with transaction.atomic():
        row = _load(reservation.pk, lock=True)
        changed = _snapshot(row) != before
        row.meeting_provider = ""
        row.meeting_provider_id = ""
        row.meeting_passcode = ""
        row.meeting_starts_at = None
        row.meeting_attempts = 0
        row.meeting_next_attempt_at = None
        row.save(
            update_fields=[
                "meeting_provider",
                "meeting_provider_id",
                "meeting_passcode",
                "meeting_starts_at",
                "meeting_attempts",
                "meeting_next_attempt_at",
                "updated_at",
            ]
        )
        office_provider_working(office_id=row.office_id)
    logger.info("meeting deleted reservation=%s", reservation.pk)
    return SyncResult(Step.AGAIN if changed else Step.DELETED)


def retry_delay(attempts: int) -> float:
    base = min(RETRY_MAX, RETRY_BASE * 2 ** max(attempts - 1, 0))
    return base * random.uniform(0.8, 1.2)  # noqa: S311 - jitter only


def _failed(
    reservation: Reservation,
    error: MeetingError | None,
    now: dt.datetime,
    *,
    reason: str = "",
    removing: bool = False,
    office_fault: bool = False,
) -> SyncResult:
    """Record why the step failed; plan the next try when trying again can help and there is
    still time; mark the office's service failing when its credentials or setting are at fault."""
    if error is not None:
        reason = _msgid(error.message)
        logger.warning(
            "meeting %s failed reservation=%s provider=%s error=%s",
            "delete" if removing else "make",
            reservation.pk,
            reservation.meeting_provider,
            error.code,
        )
    attempts = reservation.meeting_attempts + 1
    retry_in = None
    # A removal refused for the credentials is tried again too (staff fix them meanwhile): a
    # meeting of a cancelled reservation has no invitation waiting for staff to retry.
    if error is not None and (error.retryable or (removing and isinstance(error, CredentialError))):
        retry_in = retry_delay(attempts)
        if isinstance(error, RateLimited) and error.retry_after:
            retry_in = max(retry_in, float(error.retry_after))
        deadline_passed = (
            attempts >= MAX_DELETE_ATTEMPTS
            if removing
            else now + dt.timedelta(seconds=retry_in) >= reservation.starts_at
        )
        if deadline_passed:
            retry_in = None
            if not removing:
                reason = MEETING_GAVE_UP
    with transaction.atomic():
        row = _load(reservation.pk, lock=True)
        row.meeting_attempts = attempts
        row.meeting_next_attempt_at = (
            None if retry_in is None else now + dt.timedelta(seconds=retry_in)
        )
        fields = ["meeting_attempts", "meeting_next_attempt_at", "updated_at"]
        if not removing and row.status == ReservationStatus.CONFIRMED:
            row.meeting_url_problem = reason[:200]
            fields.append("meeting_url_problem")
            invitation_wait(reservation=row, reason=reason, now=now)
        row.save(update_fields=fields)
        # The office's credentials, or its setting (an unknown service): every reservation
        # there fails alike, so the office is marked. A counselor's account is one reservation's.
        if isinstance(error, CredentialError) or office_fault:
            office_provider_failing(office_id=row.office_id, reason=reason, now=now)
    if retry_in is None:
        return SyncResult(Step.FAILED)
    return SyncResult(Step.RETRY, retry_in=retry_in)


def reservation_meeting_retry(*, reservation: Reservation | int, now=None) -> bool:
    """Staff's "retry": the reservation's meeting step is tried again now, from the start of its
    backoff. False when its meeting is not made at a video service."""
    now = now or timezone.now()
    pk = reservation if isinstance(reservation, int) else reservation.pk
    with transaction.atomic():
        row = _load(pk, lock=True)
        if row.meeting_provider not in ONLINE:
            return False
        row.meeting_attempts = 0
        row.meeting_next_attempt_at = now
        fields = ["meeting_attempts", "meeting_next_attempt_at", "updated_at"]
        if row.status == ReservationStatus.CONFIRMED and not row.meeting_url:
            row.meeting_url_problem = MEETING_PENDING
            fields.append("meeting_url_problem")
            invitation_wait(reservation=row, reason=MEETING_PENDING, now=now)
        row.save(update_fields=fields)
        meeting_sync_publish(row.pk)
    return True


def reservation_meeting_fallback(*, reservation: Reservation | int, now=None) -> Reservation:
    """Staff's "use the office's fallback": the reservation gets a URL from the office's
    template instead of a meeting at the video service, and its invitation goes out. Raises
    MeetingUrlUnavailable with the reason when it cannot."""
    now = now or timezone.now()
    pk = reservation if isinstance(reservation, int) else reservation.pk
    with transaction.atomic():
        row = _load(pk, lock=True)
        if row.status != ReservationStatus.CONFIRMED:
            raise MeetingUrlUnavailable(gettext_noop("The reservation is no longer confirmed."))
        if row.meeting_provider_id:
            raise MeetingUrlUnavailable(ALREADY_MADE)
        try:
            ref = UrlTemplateProvider(row.office.meeting_url_template).create(_request(row, ""))
        except ConfigurationError:
            raise MeetingUrlUnavailable(NO_FALLBACK) from None
        row.meeting_provider = ""
        row.meeting_url = ref.join_url or row.meeting_url
        row.meeting_url_problem = ""
        row.meeting_passcode = ""
        row.meeting_attempts = 0
        row.meeting_next_attempt_at = None
        row.save(
            update_fields=[
                "meeting_provider",
                "meeting_url",
                "meeting_url_problem",
                "meeting_passcode",
                "meeting_attempts",
                "meeting_next_attempt_at",
                "updated_at",
            ]
        )
        invitation_release(reservation=row, now=now)
    return row


def meeting_sweep(*, now: dt.datetime | None = None) -> int:
    """Start the task of every meeting step whose time has come a grace ago: a retry held
    longer than the broker's countdown, or a message the broker lost. Returns how many."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(
            Reservation.objects.select_for_update(skip_locked=True)
            .filter(meeting_next_attempt_at__lte=now - SWEEP_GRACE)
            .order_by("meeting_next_attempt_at")
            .values_list("pk", flat=True)[:1000]
        )
        if ids:
            # The next sweep leaves them a grace: the task now on the queue has that long.
            Reservation.objects.filter(pk__in=ids).update(meeting_next_attempt_at=now)
            for pk in ids:
                meeting_sync_publish(pk)
    if ids:
        logger.info("meeting sweep started %d", len(ids))
    return len(ids)
