"""Making and cancelling reservations; every rule of Art 6 is checked here, at commit."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from bookings.meeting import meeting_made_online, meeting_url_for
from consent.errors import TermsNotPublished
from consent.selectors import terms_in_force_and_consent
from core.calendar import booking_deadline, tokyo_date, tokyo_day_bounds
from core.dates import call_time_check
from core.tokens import hash_token, new_nonce, new_reference, reservation_token
from jobseekers.models import AuditAction, Jobseeker
from jobseekers.services import audit_record, jobseeker_touch
from offices.models import Office
from offices.roles import recorded_user

from ..checklist import checklist_missing
from ..errors import (
    AlreadyBooked,
    AlreadyCancelled,
    BeyondHorizon,
    BookingError,
    ChecklistIncomplete,
    ConsentRequired,
    ConsultationStarted,
    CutoffPassed,
    InvalidTransition,
    JobseekerSuspended,
    NotConfirmed,
    NotInSession,
    RegistrationExpired,
    RegistrationUnverified,
    ReservationOver,
    SlotInPast,
    SlotNotOpen,
    SlotTaken,
    UpcomingLimitReached,
    WrongOffice,
)
from ..events import reservation_booked, reservation_cancelled
from ..models import (
    CancelChannel,
    Reservation,
    ReservationSource,
    ReservationStatus,
    Slot,
    SlotStatus,
)


def jobseeker_gate(*, jobseeker: Jobseeker, now: dt.datetime) -> None:
    """Who may book online at all (Art 2(1), 13(1)); raises the first reason not to."""
    office = jobseeker.office
    if jobseeker.suspended:
        raise JobseekerSuspended(phone=office.phone)
    if not jobseeker.is_verified and not office.unverified_may_book:
        raise RegistrationUnverified()
    valid_until = jobseeker.registration_valid_until
    if valid_until is not None and valid_until < tokyo_date(now):
        raise RegistrationExpired()


def booking_gate(*, jobseeker: Jobseeker, now: dt.datetime) -> None:
    """Everything that stops a web booking before a time is chosen (the journey's gates).

    Art 2(1), 13(1) through `jobseeker_gate`, then the office's limit of upcoming web bookings.
    """
    jobseeker_gate(jobseeker=jobseeker, now=now)
    if upcoming_web_count(jobseeker=jobseeker, now=now) >= (
        jobseeker.office.max_upcoming_web_bookings
    ):
        raise UpcomingLimitReached()


def consent_check(*, jobseeker: Jobseeker, now: dt.datetime) -> None:
    """Art 2(3), 6: no web booking without consent to the terms version in force."""
    version, agreed = terms_in_force_and_consent(
        jobseeker_id=jobseeker.pk, bureau_id=jobseeker.office.bureau_id, now=now
    )
    if version is None:
        raise TermsNotPublished()
    if not agreed:
        raise ConsentRequired()


def slot_deadline(*, slot: Slot, office: Office) -> dt.datetime:
    return booking_deadline(
        starts_at=slot.starts_at,
        cutoff_days_before=office.cutoff_days_before,
        cutoff_hour=office.cutoff_hour,
    )


def horizon_end(*, office: Office, now: dt.datetime) -> dt.datetime:
    """Slots starting before this moment may be booked online (whole days, Asia/Tokyo)."""
    last_day = tokyo_date(now) + dt.timedelta(weeks=office.booking_horizon_weeks)
    _first, end = tokyo_day_bounds(last_day)
    return end


def upcoming_web_count(*, jobseeker: Jobseeker, now: dt.datetime) -> int:
    return Reservation.objects.filter(
        jobseeker=jobseeker,
        status=ReservationStatus.CONFIRMED,
        source=ReservationSource.WEB,
        starts_at__gt=now,
    ).count()


def _check_slot(*, slot: Slot, jobseeker: Jobseeker, source: str, now: dt.datetime) -> None:
    office = slot.office
    if slot.status != SlotStatus.OPEN:
        raise SlotNotOpen()
    if slot.starts_at <= now:
        raise SlotInPast()
    # Art 6(1): the cut-off applies to every source, a follow-up booked in session included.
    if now >= slot_deadline(slot=slot, office=office):
        raise CutoffPassed()
    if source == ReservationSource.WEB:
        if slot.office_id != jobseeker.office_id and not (
            jobseeker.office.other_offices_slots_visible
            and office.is_active
            and office.bureau_id == jobseeker.office.bureau_id
        ):
            raise WrongOffice()
        if slot.starts_at >= horizon_end(office=office, now=now):
            raise BeyondHorizon()
    elif slot.office_id != jobseeker.office_id:
        raise WrongOffice()


def _load_slot(slot_id, *, lock: bool) -> Slot:
    """The slot by id; a missing or malformed id (a tampered form) is refused, not a 500."""
    try:
        slot_id = int(slot_id)
    except (TypeError, ValueError):
        raise SlotNotOpen() from None
    queryset = Slot.objects.select_related("office", "counselor")
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    slot = queryset.filter(pk=slot_id).first()
    if slot is None:
        raise SlotNotOpen()
    return slot


def slot_check(*, slot_id, jobseeker: Jobseeker, now: dt.datetime | None = None) -> Slot:
    """The slot if `jobseeker` could book it on the web now; else the BookingError why not.

    For the pages (choosing a time); `reservation_create` checks again under the lock.
    """
    now = now or timezone.now()
    slot = _load_slot(slot_id, lock=False)
    _check_slot(slot=slot, jobseeker=jobseeker, source=ReservationSource.WEB, now=now)
    if Reservation.objects.active().filter(slot=slot).exists():
        raise SlotTaken()
    return slot


NOTE_MAX_LENGTH = Reservation._meta.get_field("note").max_length
LANGUAGE_MAX_LENGTH = Reservation._meta.get_field("interpreter_language").max_length


def reservation_create(
    *,
    slot: Slot | int,
    jobseeker: Jobseeker | int,
    source: str = ReservationSource.WEB,
    environment_checklist: dict | None = None,
    interpreter_language: str = "",
    assistant_attends: bool = False,
    note: str = "",
    actor=None,
    previous: Reservation | None = None,
    now: dt.datetime | None = None,
) -> Reservation:
    """Book `slot` for `jobseeker`; all rules re-checked with the slot row locked.

    The reservation and its invitation row in the outbox are written in one transaction; the
    send task is queued after commit. Raises a BookingError subclass when a rule refuses;
    `AlreadyBooked` (a `SlotTaken`) when the slot's active reservation is this jobseeker's own,
    so that a booking sent twice leads to the booking, not to "just taken".
    """
    now = now or timezone.now()
    slot_id = slot.pk if isinstance(slot, Slot) else slot
    jobseeker_id = jobseeker if isinstance(jobseeker, int) else jobseeker.pk
    interpreter_language = (interpreter_language or "").strip()
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH or len(interpreter_language) > LANGUAGE_MAX_LENGTH:
        raise BookingError()
    if source == ReservationSource.WEB and checklist_missing(environment_checklist):
        raise ChecklistIncomplete()
    try:
        with transaction.atomic():
            slot = _load_slot(slot_id, lock=True)
            jobseeker = (
                Jobseeker.objects.select_for_update(of=("self",))
                .select_related("office")
                .get(pk=jobseeker_id)
            )
            holder = _holder(slot.pk)
            if holder is not None and holder[1] == jobseeker.pk:
                raise AlreadyBooked(reservation_id=holder[0])
            if source == ReservationSource.WEB:
                jobseeker_gate(jobseeker=jobseeker, now=now)
                consent_check(jobseeker=jobseeker, now=now)
            elif jobseeker.suspended:
                raise JobseekerSuspended()
            _check_slot(slot=slot, jobseeker=jobseeker, source=source, now=now)
            if holder is not None:
                raise SlotTaken()
            if source == ReservationSource.WEB:
                limit = jobseeker.office.max_upcoming_web_bookings
                if upcoming_web_count(jobseeker=jobseeker, now=now) >= limit:
                    raise UpcomingLimitReached()
            if source == ReservationSource.IN_SESSION and previous is None:
                raise InvalidTransition()
            meeting_url, problem = meeting_url_for(slot=slot, office=slot.office)
            reference = new_reference()
            nonce = new_nonce()
            reservation = Reservation.objects.create(
                reference=reference,
                jobseeker=jobseeker,
                slot=slot,
                office=slot.office,
                starts_at=slot.starts_at,
                status=ReservationStatus.CONFIRMED,
                source=source,
                previous=previous,
                interpreter_language=interpreter_language,
                assistant_attends=assistant_attends,
                note=note,
                environment_checklist=environment_checklist or {},
                meeting_url=meeting_url,
                meeting_url_problem=problem,
                # The video service that makes its meeting after commit (none: a room or a
                # template URL, given above).
                meeting_provider=(
                    slot.office.meeting_url_mode if meeting_made_online(slot.office) else ""
                ),
                access_nonce=nonce,
                access_token_hash=hash_token(reservation_token(reference=reference, nonce=nonce)),
                created_by=recorded_user(actor),
            )
            jobseeker_touch(jobseeker=jobseeker, today=tokyo_date(now), now=now)
            audit_record(
                action=AuditAction.RESERVATION_CREATE,
                actor=actor,
                jobseeker=jobseeker,
                target=f"reservation:{reservation.pk}",
                detail=f"source={source}",
                now=now,
            )
            reservation_booked.send(sender=Reservation, reservation=reservation, now=now)
    except IntegrityError as exc:
        # Two commits raced past the check: the partial unique index decided.
        holder = _holder(slot_id)
        if holder is not None and holder[1] == jobseeker_id:
            raise AlreadyBooked(reservation_id=holder[0]) from exc
        raise SlotTaken() from exc
    return reservation


def _holder(slot_id) -> tuple[int, int] | None:
    """(reservation id, jobseeker id) of the slot's active reservation, if any."""
    return (
        Reservation.objects.active()
        .filter(slot_id=slot_id)
        .values_list("pk", "jobseeker_id")
        .first()
    )


def reservation_access_token(reservation: Reservation) -> str:
    return reservation_token(reference=reservation.reference, nonce=reservation.access_nonce)


def reservation_locked(reservation: Reservation | int) -> Reservation:
    """The reservation's row locked to the end of the transaction, with jobseeker and office."""
    pk = reservation if isinstance(reservation, int) else reservation.pk
    return (
        Reservation.objects.select_for_update(of=("self",))
        .select_related("jobseeker", "office")
        .get(pk=pk)
    )


def reservation_change_refusal(
    *, reservation: Reservation, now: dt.datetime
) -> InvalidTransition | None:
    """Why staff can no longer change `reservation` (a late notice, a cancellation), or None.

    Only a confirmed reservation whose 30 minutes have not ended is changed. The services
    check it under the row lock; the phone desk shows it before staff take the call further.
    """
    if reservation.status == ReservationStatus.CANCELLED:
        return AlreadyCancelled()
    if reservation.status != ReservationStatus.CONFIRMED:
        return NotConfirmed(status=reservation.get_status_display())
    if reservation.ends_at <= now:
        return ReservationOver()
    return None


def reservation_cancel_refusal(
    *, reservation: Reservation, now: dt.datetime
) -> InvalidTransition | None:
    """Why `reservation` can no longer be cancelled, or None: a change staff may still make
    (`reservation_change_refusal`) whose consultation has not started (Art 6(5))."""
    refusal = reservation_change_refusal(reservation=reservation, now=now)
    if refusal is None and reservation.starts_at <= now:
        return ConsultationStarted()
    return refusal


def reservation_cancel(
    *,
    reservation: Reservation | int,
    actor=None,
    channel: str = CancelChannel.PHONE,
    reason: str = "",
    caller: str = "",
    called_at: dt.datetime | None = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> Reservation:
    """Cancel a confirmed, future reservation (Art 6(5)); the slot reopens, the email is queued.

    The slot reopens because the partial unique index only counts reservations not cancelled.
    """
    now = now or timezone.now()
    if called_at is not None:
        call_time_check(called_at, now=now)
    with transaction.atomic():
        reservation = reservation_locked(reservation)
        refusal = reservation_cancel_refusal(reservation=reservation, now=now)
        if refusal is not None:
            raise refusal
        reservation.status = ReservationStatus.CANCELLED
        reservation.cancelled_at = now
        reservation.cancelled_by = recorded_user(actor)
        reservation.cancel_channel = channel
        reservation.cancel_reason = reason.strip()
        reservation.cancel_caller = caller.strip()
        reservation.cancel_called_at = called_at
        reservation.cancel_note = note.strip()[:500]
        reservation.sequence += 1
        reservation.save()
        audit_record(
            action=AuditAction.RESERVATION_CANCEL,
            actor=actor,
            jobseeker=reservation.jobseeker,
            target=f"reservation:{reservation.pk}",
            detail=f"channel={channel}",
            now=now,
        )
        reservation_cancelled.send(sender=Reservation, reservation=reservation, now=now)
        # The slot is free again: the first jobseekers waiting for its day are told.
        from .waitlist import waitlist_times_freed  # noqa: PLC0415 - waitlist builds on this module

        waitlist_times_freed(
            office_id=reservation.office_id, starts=[reservation.starts_at], now=now
        )
    return reservation


def reservation_late_notice(
    *,
    reservation: Reservation | int,
    actor,
    caller: str = "",
    called_at: dt.datetime | None = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> Reservation:
    """Record a phoned-in late notice (遅刻連絡); the 10-minute no-show rule then skips it (Art 6(5)).

    Allowed while the reservation is confirmed and its 30 minutes have not ended. The row is
    locked, and the no-show sweep claims only rows whose `late_notice_at` is empty, so a notice
    recorded here is never overtaken by the sweep. A second call updates the notice.
    """
    now = now or timezone.now()
    if called_at is not None:
        call_time_check(called_at, now=now)
    with transaction.atomic():
        reservation = reservation_locked(reservation)
        refusal = reservation_change_refusal(reservation=reservation, now=now)
        if refusal is not None:
            raise refusal
        reservation.late_notice_at = called_at or now
        reservation.late_notice_by = recorded_user(actor)
        reservation.late_notice_caller = caller.strip()[:100]
        reservation.late_notice_note = note.strip()[:200]
        reservation.save(
            update_fields=[
                "late_notice_at",
                "late_notice_by",
                "late_notice_caller",
                "late_notice_note",
                "updated_at",
            ]
        )
        audit_record(
            action=AuditAction.LATE_NOTICE,
            actor=actor,
            jobseeker=reservation.jobseeker,
            target=f"reservation:{reservation.pk}",
            now=now,
        )
    return reservation


# A follow-up is booked from the consultation being held; one ended normally earlier the same
# day still counts (the counselor may end the session before booking).
FOLLOW_UP_FROM = [ReservationStatus.IN_SESSION, ReservationStatus.COMPLETED]


def follow_up_allowed(*, reservation: Reservation, now: dt.datetime) -> bool:
    """Art 6(4): from a consultation being held or held today, on its own day (Asia/Tokyo).

    A session left open past its day (nobody pressed "end") does not open the follow-up, which
    skips the web's limits, days later.
    """
    return reservation.status in FOLLOW_UP_FROM and tokyo_date(reservation.starts_at) == (
        tokyo_date(now)
    )


def reservation_follow_up(
    *,
    previous: Reservation | int,
    slot: Slot | int,
    actor,
    interpreter_language: str | None = None,
    assistant_attends: bool | None = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> Reservation:
    """Book the next consultation during a session (Art 6(2), 6(4)): confirmed at once.

    The cut-off of Art 6(1) still applies; the web-only limits (horizon, upcoming bookings,
    consent gate) do not. The environment checklist and the announced attendants are carried
    over unless given. The invitation is queued in the same transaction.
    """
    now = now or timezone.now()
    previous_id = previous if isinstance(previous, int) else previous.pk
    previous = Reservation.objects.select_related("jobseeker").get(pk=previous_id)
    if not follow_up_allowed(reservation=previous, now=now):
        raise NotInSession()
    return reservation_create(
        slot=slot,
        jobseeker=previous.jobseeker_id,
        source=ReservationSource.IN_SESSION,
        environment_checklist=previous.environment_checklist,
        interpreter_language=(
            previous.interpreter_language if interpreter_language is None else interpreter_language
        ),
        assistant_attends=(
            previous.assistant_attends if assistant_attends is None else assistant_attends
        ),
        note=note,
        actor=actor,
        previous=previous,
        now=now,
    )
