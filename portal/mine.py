"""「予約の確認」 (My reservations) and changing a reservation's time.

The list needs the signed-in journey; asked for while signed out (the link in every email),
it remembers where to go and asks the jobseeker to sign in ("Booked before"): the link carries
nothing about the person. Changing a time reuses the month and day pages: the session names
the reservation being changed, the day page's choice comes back here to be confirmed, and
`bookings.services.moves.reservation_move` makes the change under its locks.
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from bookings.errors import SlotTaken
from bookings.models import Reservation
from bookings.services.moves import reservation_move, reservation_move_refusal
from bookings.services.reservations import booking_gate, slot_check
from bookings.services.waitlist import waitlist_active
from core.errors import DomainError
from jobseekers.models import Jobseeker
from portal.mine_rows import gate_details, my_reservations, reservation_row
from portal.pages import page_language, render_page
from portal.views import (
    SESSION_AFTER_SIGN_IN,
    SESSION_BOOKED,
    SESSION_CHANGE,
    SESSION_SLOT,
    _changing,
    _jobseeker,
    _slot_summary,
    journey_keep_alive,
)
from portal.waitlist_section import waitlist_days_label

# The reservation whose time was just changed (its row says so on the list, once).
SESSION_MOVED = "journey_moved"


def _signed_in(view):
    """Like the journey's pages, but a signed-out visitor is asked to sign in as one who has
    booked before, and comes back to 「予約の確認」 (not the booking journey) afterwards."""

    def wrapper(request: HttpRequest, *args, **kwargs):
        jobseeker = _jobseeker(request)
        if jobseeker is None:
            request.session[SESSION_AFTER_SIGN_IN] = "mine"
            return redirect("bookings:identify_returning")
        journey_keep_alive(request)
        return view(request, jobseeker, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


def _stop_changing(request: HttpRequest) -> None:
    if request.session.pop(SESSION_CHANGE, None):
        request.session.pop(SESSION_SLOT, None)


@require_safe
@_signed_in
def mine(request: HttpRequest, jobseeker: Jobseeker) -> HttpResponse:
    """「予約の確認」: upcoming and past reservations, and whether another may be booked now."""
    now = timezone.now()
    _stop_changing(request)
    upcoming, past = my_reservations(jobseeker, now)
    booked = request.session.get(SESSION_BOOKED)
    moved = request.session.pop(SESSION_MOVED, None)
    gate = None
    try:
        booking_gate(jobseeker=jobseeker, now=now)
    except DomainError as error:
        gate = {
            "error": error.message,
            "code": error.code,
            **gate_details(jobseeker, error.code, now),
            "on_list": True,  # the bookings that cause the limit are listed just above
        }
    for row in upcoming:
        pk = row["reservation"].pk
        row["tag"] = (
            _("Booked just now") if pk == booked else _("Time changed") if pk == moved else ""
        )
    return render_page(
        request,
        "bookings/mine.html",
        {
            "jobseeker": jobseeker,
            "upcoming": upcoming,
            "past": past,
            "booked": booked,
            "moved": moved,
            "gate": gate,
            "office": jobseeker.office,
            "waiting": [
                {
                    "request": r,
                    "days": waitlist_days_label(r.first_day, r.last_day, page_language()),
                }
                for r in waitlist_active(jobseeker_id=jobseeker.pk, now=now)
            ],
        },
    )


def _own_reservation(jobseeker: Jobseeker, pk: int) -> Reservation:
    reservation = (
        Reservation.objects.select_related("office", "slot", "jobseeker")
        .filter(pk=pk, jobseeker=jobseeker)
        .first()
    )
    if reservation is None:
        raise Http404()
    return reservation


@require_safe
def change_start(request: HttpRequest, pk: int) -> HttpResponse:
    """Choose a new time for the reservation: the month page, in change mode.

    Only from 「予約の確認」, signed in: anyone else gets the 404 of a reservation not theirs
    (the reservation page links the list, which asks for sign-in)."""
    jobseeker = _jobseeker(request)
    if jobseeker is None:
        raise Http404()
    journey_keep_alive(request)
    reservation = _own_reservation(jobseeker, pk)
    refusal = reservation_move_refusal(reservation=reservation, now=timezone.now())
    if refusal is not None:
        return _refused(request, jobseeker, reservation, refusal.message)
    request.session[SESSION_CHANGE] = reservation.pk
    request.session.pop(SESSION_SLOT, None)
    return redirect("bookings:calendar")


def _refused(request, jobseeker, reservation, message, *, new=None) -> HttpResponse:
    return render_page(
        request,
        "bookings/change.html",
        {
            "row": reservation_row(reservation, timezone.now()),
            "new": new,
            "error": message,
            "office": reservation.office,
        },
        status=409,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@_signed_in
def change_check(request: HttpRequest, jobseeker: Jobseeker) -> HttpResponse:
    """The old time and the new side by side; the button makes the change."""
    reservation = _changing(request, jobseeker)
    if reservation is None:
        return redirect("bookings:mine")
    slot_id = request.session.get(SESSION_SLOT)
    if not slot_id:
        return redirect("bookings:calendar")
    new = _slot_summary(slot_id)
    now = timezone.now()
    if request.method == "POST":
        try:
            reservation_move(reservation=reservation, slot=slot_id, jobseeker=jobseeker, now=now)
        except SlotTaken as error:
            request.session.pop(SESSION_SLOT, None)
            return _refused(request, jobseeker, reservation, error.message, new=new)
        except DomainError as error:
            return _refused(request, jobseeker, reservation, error.message, new=new)
        _stop_changing(request)
        request.session[SESSION_MOVED] = reservation.pk
        return redirect("bookings:mine")
    try:
        refusal = reservation_move_refusal(reservation=reservation, now=now)
        if refusal is not None:
            raise refusal
        slot_check(slot_id=slot_id, jobseeker=jobseeker, now=now)
    except DomainError as error:
        return _refused(request, jobseeker, reservation, error.message, new=new)
    return render_page(
        request,
        "bookings/change.html",
        {"row": reservation_row(reservation, now), "new": new, "office": reservation.office},
    )


@require_POST
@_signed_in
def change_stop(request: HttpRequest, jobseeker: Jobseeker) -> HttpResponse:
    """Keep the time as it is: leave the change and go back to the list."""
    _stop_changing(request)
    return redirect("bookings:mine")
