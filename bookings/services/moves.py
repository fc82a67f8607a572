"""Changing the time of a reservation online: the same reservation moves to another slot.

Where the office allows online cancellation (`Office.online_cancellation_allowed`), a
jobseeker may instead move their reservation to another free time. The change is one
reservation row that moves, not a new reservation and a cancelled one:

- Calendars: the invitation a jobseeker already imported has the reservation's UID. RFC 5546
  updates an event by sending it again with the same UID and a higher SEQUENCE, and Outlook,
  Google Calendar and Apple Calendar all move the event they hold when they read such a
  METHOD:REQUEST. The other way (a CANCEL of the old UID and a REQUEST of a new one) needs two
  calendar objects: one .ics holds one METHOD, so it would be two attachments or two emails,
  which Outlook and Gmail show as two separate items (Gmail imports only the first calendar
  part of a message), and a jobseeker who opens only the new one keeps a ghost event at the
  old time. One updated invitation with the same UID is the one calendars handle everywhere.
- Never neither, never both: there is only one row. It leaves the old slot and takes the new
  one in a single UPDATE; the partial unique index (one active reservation per slot) frees the
  old slot and guards the new one, and the new slot's row is locked as `reservation_create`
  locks it, so a booking and a change of the same time are serialised.
- The reference and the reservation page's link stay the same: every email already sent
  still leads to the reservation. The upcoming-bookings limit is unchanged by a move (the
  pair counts as one).
"""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from bookings.meeting import meeting_url_for
from jobseekers.models import AuditAction, Jobseeker
from jobseekers.services import audit_record

from ..errors import ChangeCutoffPassed, ChangeNotAllowed, SameTime, SlotTaken
from ..events import reservation_moved
from ..models import Reservation, ReservationSource, ReservationStatus, Slot
from .reservations import (
    _check_slot,
    _holder,
    _load_slot,
    jobseeker_gate,
    reservation_cancel_refusal,
    slot_deadline,
)
from .waitlist import waitlist_times_freed


def reservation_move_refusal(*, reservation: Reservation, now: dt.datetime):
    """Why the jobseeker cannot change `reservation`'s time online now, or None.

    Online changes follow online cancellation (an office setting, off by default: the terms
    say phone, Art 6(5)); only a confirmed reservation that has not started, and only until
    its own cut-off (Art 6(1): the old time is given up, and may be booked by someone else
    only until then).
    """
    if not reservation.office.online_cancellation_allowed:
        return ChangeNotAllowed()
    refusal = reservation_cancel_refusal(reservation=reservation, now=now)
    if refusal is not None:
        return refusal
    if now >= slot_deadline(slot=reservation.slot, office=reservation.office):
        return ChangeCutoffPassed()
    return None


def reservation_move(
    *,
    reservation: Reservation | int,
    slot: Slot | int,
    jobseeker: Jobseeker | int,
    actor=None,
    now: dt.datetime | None = None,
) -> Reservation:
    """Move `jobseeker`'s confirmed `reservation` to `slot`; every rule checked under the locks.

    Locks in `reservation_create`'s order (the new slot, then the jobseeker) and then the
    reservation. Refuses with a BookingError: the office does not allow online changes, the
    reservation is not the jobseeker's, not confirmed, started or past its cut-off, the new
    slot fails any rule of a web booking (cut-off, horizon, office, open, free), or the
    jobseeker may no longer book (suspended, registration expired or unverified). Sent twice,
    the second call finds the reservation on the new slot already and returns it unchanged.
    The updated invitation (same UID, higher SEQUENCE) is queued by the `reservation_moved`
    receiver in this transaction.
    """
    now = now or timezone.now()
    reservation_id = reservation if isinstance(reservation, int) else reservation.pk
    jobseeker_id = jobseeker if isinstance(jobseeker, int) else jobseeker.pk
    slot_id = slot.pk if isinstance(slot, Slot) else slot
    try:
        with transaction.atomic():
            new_slot = _load_slot(slot_id, lock=True)
            jobseeker = (
                Jobseeker.objects.select_for_update(of=("self",))
                .select_related("office")
                .get(pk=jobseeker_id)
            )
            reservation = (
                Reservation.objects.select_for_update(of=("self",))
                .select_related("office", "slot", "jobseeker")
                .filter(pk=reservation_id, jobseeker_id=jobseeker.pk)
                .first()
            )
            if reservation is None:
                raise ChangeNotAllowed()
            if reservation.slot_id == new_slot.pk:
                if reservation.rescheduled_at is not None and (
                    reservation.status == ReservationStatus.CONFIRMED
                ):
                    return reservation  # the same change sent again
                raise SameTime()
            refusal = reservation_move_refusal(reservation=reservation, now=now)
            if refusal is not None:
                raise refusal
            jobseeker_gate(jobseeker=jobseeker, now=now)
            _check_slot(slot=new_slot, jobseeker=jobseeker, source=ReservationSource.WEB, now=now)
            if _holder(new_slot.pk) is not None:
                raise SlotTaken()
            old_slot_id = reservation.slot_id
            old_office_id, old_starts_at = reservation.office_id, reservation.starts_at
            meeting_url, problem = meeting_url_for(slot=new_slot, office=new_slot.office)
            reservation.rescheduled_from = reservation.starts_at
            reservation.rescheduled_at = now
            reservation.slot = new_slot
            reservation.office = new_slot.office
            reservation.starts_at = new_slot.starts_at
            reservation.meeting_url = meeting_url
            reservation.meeting_url_problem = problem
            reservation.sequence += 1
            reservation.save(
                update_fields=[
                    "rescheduled_from",
                    "rescheduled_at",
                    "slot",
                    "office",
                    "starts_at",
                    "meeting_url",
                    "meeting_url_problem",
                    "sequence",
                    "updated_at",
                ]
            )
            audit_record(
                action=AuditAction.RESERVATION_MOVE,
                actor=actor,
                jobseeker=jobseeker,
                target=f"reservation:{reservation.pk}",
                detail=f"slot {old_slot_id} -> {new_slot.pk}",
                now=now,
            )
            reservation_moved.send(
                sender=Reservation,
                reservation=reservation,
                reservation_id=reservation.pk,
                old_slot_id=old_slot_id,
                new_slot_id=new_slot.pk,
                now=now,
            )
            # The old time is free again: the first jobseekers waiting for its day are told, as
            # after a cancellation.
            waitlist_times_freed(office_id=old_office_id, starts=[old_starts_at], now=now)
    except IntegrityError as exc:
        # The unique index of one active reservation per slot decided a race the lock missed.
        raise SlotTaken() from exc
    return reservation
