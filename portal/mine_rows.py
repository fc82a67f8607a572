"""What 「予約の確認」 and the gate page show of a jobseeker's reservations and gates."""

import datetime as dt

from django.urls import reverse

from bookings.models import Reservation, ReservationSource, ReservationStatus
from bookings.selectors import reservations_of_jobseeker
from bookings.services.moves import reservation_move_refusal
from bookings.services.reservations import reservation_access_token
from core.calendar import format_jp_date, format_jp_range, tokyo_date
from jobseekers.models import Jobseeker
from portal.pages import page_language


def reservation_row(reservation: Reservation, now: dt.datetime) -> dict:
    """One reservation as the lists show it: when, where, its links and what may be done."""
    token = reservation_access_token(reservation)
    upcoming = reservation.status == ReservationStatus.CONFIRMED and reservation.starts_at > now
    online = reservation.office.online_cancellation_allowed
    return {
        "reservation": reservation,
        "when": format_jp_range(reservation.starts_at, reservation.ends_at, page_language()),
        "office": reservation.office,
        "upcoming": upcoming,
        "page_url": reverse("bookings:reservation", kwargs={"token": token}),
        "ics_url": reverse("bookings:reservation_ics", kwargs={"token": token}),
        "cancel_url": (
            reverse("bookings:reservation_cancel", kwargs={"token": token})
            if upcoming and online
            else ""
        ),
        "change_url": (
            reverse("bookings:mine_change_start", kwargs={"pk": reservation.pk})
            if upcoming and reservation_move_refusal(reservation=reservation, now=now) is None
            else ""
        ),
        # Online changes are allowed by the office, but this one's cut-off has passed.
        "change_closed": upcoming and online,
    }


def my_reservations(jobseeker: Jobseeker, now: dt.datetime) -> tuple[list[dict], list[dict]]:
    upcoming, past = reservations_of_jobseeker(jobseeker=jobseeker, now=now)
    return (
        [reservation_row(r, now) for r in upcoming],
        [reservation_row(r, now) for r in past],
    )


def gate_details(jobseeker: Jobseeker, code: str, now: dt.datetime) -> dict:
    """What the gate page shows beside the refusal: the bookings that cause the upcoming
    limit, the suspension's date and reason, the registration's end date."""
    if code == "upcoming_limit":
        upcoming, _past = reservations_of_jobseeker(jobseeker=jobseeker, now=now)
        web = [r for r in upcoming if r.source == ReservationSource.WEB]
        return {
            "limit": jobseeker.office.max_upcoming_web_bookings,
            "holding": [reservation_row(r, now) for r in web],
        }
    if code == "suspended":
        return {
            "suspended_on": _day(jobseeker.suspended_at),
            "suspension_reason": jobseeker.suspension_reason,
        }
    if code == "registration_expired":
        return {"valid_until": _date(jobseeker.registration_valid_until)}
    return {}


def _day(moment: dt.datetime | None) -> str:
    return _date(tokyo_date(moment)) if moment is not None else ""


def _date(day: dt.date | None) -> str:
    return format_jp_date(day, page_language()) if day is not None else ""
