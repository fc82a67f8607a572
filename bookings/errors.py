"""Domain errors of bookings; each carries a message a person can read."""

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError


class BookingError(DomainError):
    """A rule of booking refused the change; `message` is shown to the user, in their language."""

    code = "booking_error"
    default_message = _("This booking cannot be made.")


class SlotTaken(BookingError):
    code = "slot_taken"
    default_message = _("Sorry, this time has just been taken by someone else.")


class AlreadyBooked(SlotTaken):
    """The slot's active reservation is the jobseeker's own: a booking sent twice (a double
    click, or sent again after an answer that was lost). The web journey shows that booking;
    other callers see the slot as taken, as before."""

    code = "already_booked"
    default_message = _("You have already booked this time.")

    def __init__(self, message=None, *, reservation_id: int):
        self.reservation_id = reservation_id
        super().__init__(message)


class SlotNotOpen(BookingError):
    code = "slot_not_open"
    default_message = _("This time is not open for booking.")


class SlotInPast(BookingError):
    code = "slot_in_past"
    default_message = _("This time has already passed.")


class CutoffPassed(BookingError):
    code = "cutoff_passed"
    default_message = _(
        "Bookings for this day are closed: a consultation must be booked by the day before "
        "(Article 6(1) of the terms)."
    )


class ChangeNotAllowed(BookingError):
    code = "change_not_allowed"
    default_message = _(
        "The time of this reservation cannot be changed online. Please phone your Hello Work "
        "office."
    )


class ChangeCutoffPassed(BookingError):
    code = "change_cutoff_passed"
    default_message = _(
        "The time of this reservation can no longer be changed online: changes close at the "
        "end of the day before the consultation (Article 6(1) of the terms). To cancel or if "
        "you will be late, please phone your Hello Work office."
    )


class SameTime(BookingError):
    code = "same_time"
    default_message = _("This is the time you have already booked. Please choose another time.")


class BeyondHorizon(BookingError):
    code = "beyond_horizon"
    default_message = _("This day is further ahead than bookings are open.")


class WrongOffice(BookingError):
    code = "wrong_office"
    default_message = _("This time belongs to another office and cannot be booked by you.")


class UpcomingLimitReached(BookingError):
    code = "upcoming_limit"
    default_message = _("You already hold the maximum number of upcoming reservations.")


class ConsentRequired(BookingError):
    code = "consent_required"
    default_message = _("Please agree to the terms of use in force before booking.")


class JobseekerSuspended(BookingError):
    code = "suspended"
    default_message = _(
        "Online booking is not available for you. Please contact your Hello Work office by phone."
    )

    def __init__(self, message=None, *, phone: str = ""):
        # Art 6(5), 13(1): a refused jobseeker is told to phone the office, so give the number.
        if message is None and phone:
            message = format_lazy(
                _(
                    "Online booking is not available for you. Please phone your Hello Work "
                    "office: {phone}."
                ),
                phone=phone,
            )
        super().__init__(message)


class RegistrationUnverified(BookingError):
    code = "unverified"
    default_message = _(
        "Your registration has not been confirmed yet. Please contact your Hello Work office."
    )


class RegistrationExpired(BookingError):
    code = "registration_expired"
    default_message = _(
        "Your jobseeker registration has expired. Please renew it at your Hello Work office."
    )


class SlotOverlap(BookingError):
    code = "slot_overlap"
    default_message = _("This counselor already has a slot at that time.")


class ClosedDay(BookingError):
    code = "closed_day"
    default_message = _("The office is closed on this day.")

    def __init__(self, message=None, *, reason=None):
        # Which closure (a weekend, a holiday, the year end, the office's own closed day).
        if message is None and reason:
            message = _("The office is closed on this day (%(reason)s).") % {"reason": reason}
        super().__init__(message)


class ChecklistIncomplete(BookingError):
    code = "checklist_incomplete"
    default_message = _("Please confirm every item of the environment checklist.")


class InvalidTransition(BookingError):
    code = "invalid_transition"
    default_message = _("This reservation cannot be changed in its current state.")


class AlreadyCancelled(InvalidTransition):
    code = "already_cancelled"
    default_message = _("This reservation is already cancelled.")


class NotConfirmed(InvalidTransition):
    """Held, missed or ended: a reservation past `confirmed` is no longer changed by staff."""

    code = "not_confirmed"

    def __init__(self, message=None, *, status: str = ""):
        if message is None and status:
            message = format_lazy(
                _("This reservation is {status}; it can no longer be changed by phone."),
                status=status,
            )
        super().__init__(message)


class ReservationOver(InvalidTransition):
    code = "reservation_over"
    default_message = _("This reservation is in the past.")


class ConsultationStarted(InvalidTransition):
    code = "consultation_started"
    default_message = _(
        "The consultation has started: record a late notice instead of a cancellation."
    )


class ReasonRequired(BookingError):
    code = "reason_required"
    default_message = _("Please give a reason.")


class SlotHasReservation(BookingError):
    code = "slot_has_reservation"
    default_message = _(
        "This slot has a reservation: cancel or move the reservation first, then block the slot."
    )


class SessionTooEarly(BookingError):
    """A consultation is started on its own day, at most a few minutes before it begins."""

    code = "session_too_early"
    default_message = _("This consultation cannot be started yet.")

    def __init__(self, message=None, *, opens_at=None, minutes: int | None = None):
        if message is None and opens_at is not None:
            message = format_lazy(
                _(
                    "This consultation can be started from {time} ({minutes} minutes before it "
                    "begins), not earlier."
                ),
                time=opens_at,
                minutes=minutes,
            )
        super().__init__(message)


class SessionDayPassed(BookingError):
    code = "session_day_passed"
    default_message = _(
        "The day of this consultation has passed: a consultation can be started only on its "
        "own day."
    )


class NoShowNotDue(BookingError):
    """A no-show is recorded only once the rule of Art 6(5) holds: confirmed, not started, no
    late notice, and 10 minutes past the start."""

    code = "no_show_not_due"
    default_message = _(
        "A no-show can be recorded only 10 minutes after the start, when the consultation has "
        "not started and no late notice was received."
    )


class NotInSession(BookingError):
    code = "not_in_session"
    default_message = _(
        "A follow-up can be booked only from a consultation that is being held or was held today."
    )


class WaitlistNotOpen(BookingError):
    """Nothing to wait for: no day of the range can still be booked online."""

    code = "waitlist_not_open"
    default_message = _(
        "Times on these days can no longer be booked online (a closed day, past the booking "
        "cut-off, or not yet open), so we cannot tell you of one. Please choose another date."
    )


class WaitlistNotFound(BookingError):
    code = "waitlist_not_found"
    default_message = _("This request was not found. It may have been withdrawn already.")
