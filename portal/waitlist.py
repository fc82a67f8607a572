"""「空きが出たら知らせる」: asking, the list of one's requests, withdrawing (thin views over
bookings.services.waitlist; the section on the day page is portal/waitlist_section.py)."""

import datetime as dt

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from bookings.models import WaitlistScope
from bookings.services.waitlist import (
    waitlist_active,
    waitlist_by_token,
    waitlist_request_create,
    waitlist_withdraw,
)
from core.calendar import tokyo_date
from core.dates import IsoDateConverter
from core.errors import DomainError
from jobseekers.models import Jobseeker
from portal.pages import page_language, render_page
from portal.views import _jobseeker, _journey, journey_keep_alive
from portal.waitlist_section import waitlist_days_label


def _requests(jobseeker: Jobseeker) -> list[dict]:
    language = page_language()
    return [
        {"request": r, "days": waitlist_days_label(r.first_day, r.last_day, language)}
        for r in waitlist_active(jobseeker_id=jobseeker.pk, now=timezone.now())
    ]


def _list_page(request, jobseeker, *, error=None, status=200) -> HttpResponse:
    return render_page(
        request,
        "bookings/waitlist.html",
        {"requests": _requests(jobseeker), "error": error, "office": jobseeker.office},
        status=status,
    )


@require_safe
@_journey
def waitlist_list(request: HttpRequest, jobseeker: Jobseeker) -> HttpResponse:
    """The jobseeker's waiting requests, each with a button to withdraw it."""
    return _list_page(request, jobseeker)


@require_POST
@_journey
def waitlist_ask(request: HttpRequest, jobseeker: Jobseeker, date: dt.date) -> HttpResponse:
    scope = request.POST.get("scope", WaitlistScope.DAY)
    if scope not in WaitlistScope.values:
        scope = WaitlistScope.DAY
    try:
        waitlist_request_create(jobseeker=jobseeker, day=date, scope=scope, now=timezone.now())
    except DomainError as error:
        return _list_page(request, jobseeker, error=error.message, status=409)
    return redirect(f"{reverse('bookings:day', kwargs={'date': date})}#waitlist")


def _day_from(value: str | None) -> dt.date | None:
    try:
        return IsoDateConverter().to_python(value or "")
    except ValueError:
        return None


@require_http_methods(["GET", "HEAD", "POST"])
def waitlist_withdraw_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Withdraw one's own request (POST). Anyone else's id, a signed-out visitor or a GET is
    a 404, as for every public URL that names an object (tests/security/test_object_access)."""
    jobseeker = _jobseeker(request)
    if jobseeker is None or request.method != "POST":
        raise Http404
    journey_keep_alive(request)
    try:
        waitlist_withdraw(request_id=pk, jobseeker_id=jobseeker.pk, now=timezone.now())
    except DomainError as error:
        raise Http404 from error
    day = _day_from(request.POST.get("day"))
    if day is not None:
        return redirect(f"{reverse('bookings:day', kwargs={'date': day})}#waitlist")
    return redirect("bookings:waitlist")


@require_http_methods(["GET", "HEAD", "POST"])
def waitlist_withdraw_link(request: HttpRequest, token: str) -> HttpResponse:
    """The email's link: GET shows a button, the POST withdraws (mail scanners follow GETs).
    No sign-in: the link itself is the key, and it can only withdraw."""
    waiting = waitlist_by_token(token)
    if waiting is None:
        return render_page(
            request, "bookings/waitlist_withdraw.html", {"missing": True}, status=404
        )
    now = timezone.now()
    if request.method == "POST":
        waiting = waitlist_withdraw(request_id=waiting.pk, now=now)
    context = {
        "waiting": waiting,
        "days": waitlist_days_label(waiting.first_day, waiting.last_day, page_language()),
        "over": waiting.last_day < tokyo_date(now),
    }
    return render_page(request, "bookings/waitlist_withdraw.html", context)
