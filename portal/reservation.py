"""The reservation page behind its unguessable link (no session needed), its .ics and cancel."""

import datetime as dt
import re

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from bookings.errors import InvalidTransition
from bookings.models import CancelChannel, Reservation, ReservationStatus
from bookings.services.moves import reservation_move_refusal
from bookings.services.reservations import reservation_cancel
from core.calendar import format_jp_range
from core.errors import DomainError
from core.tokens import hash_token
from notifications.ics import METHOD_CANCEL, METHOD_PUBLISH, reservation_ics
from notifications.selectors import invitation_sent
from portal.pages import google_url, outlook_url, page_language, reminder_note, render_page

RESERVATION_TOKEN = re.compile(r"[0-9a-f]{64}")


def reservation_by_token(token: str) -> Reservation:
    """The reservation whose link this is; anything else is a 404 (nothing to tell apart)."""
    if not RESERVATION_TOKEN.fullmatch(token):
        raise Http404()
    reservation = (
        Reservation.objects.select_related("office", "jobseeker", "slot")
        .filter(access_token_hash=hash_token(token))
        .first()
    )
    if reservation is None:
        raise Http404()
    return reservation


def _can_cancel_online(reservation: Reservation, now: dt.datetime) -> bool:
    return (
        reservation.office.online_cancellation_allowed
        and reservation.status == ReservationStatus.CONFIRMED
        and reservation.starts_at > now
    )


def _reservation_context(reservation: Reservation, token: str, now: dt.datetime) -> dict:
    return {
        "reservation": reservation,
        "token": token,
        "when": format_jp_range(reservation.starts_at, reservation.ends_at, page_language()),
        "office": reservation.office,
        "invitation_sent": invitation_sent(reservation=reservation),
        "can_cancel": _can_cancel_online(reservation, now),
        "can_change": reservation_move_refusal(reservation=reservation, now=now) is None,
        "upcoming": reservation.status == ReservationStatus.CONFIRMED
        and reservation.starts_at > now,
        "ics_url": reverse("bookings:reservation_ics", kwargs={"token": token}),
        "google_url": google_url(reservation),
        "outlook_url": outlook_url(reservation),
        "reminder": reminder_note(reservation),
    }


@require_safe
def reservation_page(request: HttpRequest, token: str) -> HttpResponse:
    reservation = reservation_by_token(token)
    return render_page(
        request,
        "bookings/reservation.html",
        _reservation_context(reservation, token, timezone.now()),
    )


@require_safe
def reservation_ics_download(request: HttpRequest, token: str) -> HttpResponse:
    reservation = reservation_by_token(token)
    # A calendar that imported the file earlier learns from this one that it is off: the same
    # UID, the reservation's (raised) SEQUENCE, STATUS:CANCELLED and no alarm.
    gone = reservation.status in (ReservationStatus.CANCELLED, ReservationStatus.NO_SHOW)
    body = reservation_ics(
        reservation, method=METHOD_CANCEL if gone else METHOD_PUBLISH, language=page_language()
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="consultation-{reservation.reference}.ics"'
    )
    return response


@require_http_methods(["GET", "HEAD", "POST"])
def reservation_cancel_view(request: HttpRequest, token: str) -> HttpResponse:
    """Online cancellation, only where the office allows it (the terms say phone, Art 6(5))."""
    reservation = reservation_by_token(token)
    now = timezone.now()
    if not reservation.office.online_cancellation_allowed:
        raise Http404()
    context = _reservation_context(reservation, token, now)
    if request.method == "POST":
        if not context["can_cancel"]:
            context["error"] = InvalidTransition.default_message
            return render_page(request, "bookings/cancel.html", context, status=409)
        try:
            reservation_cancel(
                reservation=reservation,
                channel=CancelChannel.WEB,
                reason="",
                now=now,
            )
        except InvalidTransition:
            # Cancelled or started meanwhile: the page says what it says when it shows no button.
            context["error"] = InvalidTransition.default_message
            return render_page(request, "bookings/cancel.html", context, status=409)
        except DomainError as error:
            context["error"] = error.message
            return render_page(request, "bookings/cancel.html", context, status=409)
        return redirect("bookings:reservation", token=token)
    if not context["can_cancel"]:
        return redirect("bookings:reservation", token=token)
    return render_page(request, "bookings/cancel.html", context)
