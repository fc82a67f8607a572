"""Links an email or a calendar entry gives the jobseeker."""

from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse

from bookings.services.waitlist import waitlist_withdraw_token
from core.tokens import reservation_token

# The public reservation page is reached by `bookings:reservation` with the token.
RESERVATION_PAGE_URL_NAME = "bookings:reservation"


def site_url() -> str:
    return settings.SITE_URL.rstrip("/")


def site_domain() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def reservation_page_url(reservation) -> str:
    """The unguessable link to the jobseeker's reservation page."""
    token = reservation_token(reference=reservation.reference, nonce=reservation.access_nonce)
    return f"{site_url()}{reverse(RESERVATION_PAGE_URL_NAME, kwargs={'token': token})}"


def _absolute(name: str) -> str:
    return f"{site_url()}{reverse(name)}"


def identify_url() -> str:
    """The first-visit identification (number, names, email)."""
    return _absolute("bookings:identify")


def identify_returning_url() -> str:
    """ "Booked before": number and email."""
    return _absolute("bookings:identify_returning")


def booking_start_url() -> str:
    return _absolute("bookings:start")


def my_reservations_url() -> str:
    """「予約の確認」: the signed-in jobseeker's reservations (sign-in first when needed). The
    link carries nothing about the person: the page asks who they are."""
    return _absolute("bookings:mine")


def booking_day_url(day) -> str:
    """The slot-choice page of a day (signed out, it asks to sign in first, then comes back)."""
    return f"{site_url()}{reverse('bookings:day', kwargs={'date': day})}"


def waitlist_withdraw_url(request) -> str:
    """The email's link to withdraw a 「空きが出たら知らせる」 request (a page with a button)."""
    token = waitlist_withdraw_token(request)
    return f"{site_url()}{reverse('bookings:waitlist_withdraw_link', kwargs={'token': token})}"
