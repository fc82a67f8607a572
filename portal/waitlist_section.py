"""The 「空きが出たら知らせる」 part of a day with no free time: rendered per request.

The slot-choice page is kept in the cache for every jobseeker of the office
(`bookings.availability.cached_page`); this part is personal (whether this jobseeker already
asked), so the kept page holds a cut where it goes and each request renders it here.
"""

import datetime as dt

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from bookings.models import WaitlistScope
from bookings.selectors import has_free_times
from bookings.services.reservations import booking_gate
from bookings.services.waitlist import waitlist_covering, waitlist_open_days, waitlist_range
from core.calendar import format_jp_date, tokyo_day_bounds
from core.errors import DomainError
from jobseekers.models import Jobseeker
from portal.pages import page_language


def waitlist_days_label(first: dt.date, last: dt.date, language: str) -> str:
    label = format_jp_date(first, language)
    if last == first:
        return label
    dash = " – " if language == "en" else "〜"
    return f"{label}{dash}{format_jp_date(last, language)}"


def week_is_full(jobseeker: Jobseeker, day: dt.date, now: dt.datetime) -> bool:
    """No free time in the week (Monday to Sunday) of `day`: the same for every jobseeker of
    the office, so the kept day page decides it when it is rendered."""
    first, last = waitlist_range(day, WaitlistScope.WEEK)
    since, until = tokyo_day_bounds(first, last)
    return not has_free_times(jobseeker=jobseeker, since=since, until=until, now=now)


def waitlist_section(
    request: HttpRequest,
    jobseeker: Jobseeker | None,
    day: dt.date,
    *,
    offer_week: bool | None = None,
) -> SafeString:
    """The jobseeker's request covering `day` with a button to withdraw it, or the form to
    ask (for the day, or its week when the week has no free time either: `offer_week`, read
    here when not given); nothing when there is nothing to wait for (the day can no longer be
    booked) or the jobseeker may not book online now (the gate page says why)."""
    if jobseeker is None:
        return mark_safe("")  # noqa: S308 - empty
    now = timezone.now()
    language = page_language()
    current = waitlist_covering(jobseeker_id=jobseeker.pk, day=day, now=now)
    context = {"day": day, "current": current}
    if current is not None:
        context["current_days"] = waitlist_days_label(current.first_day, current.last_day, language)
    else:
        try:
            booking_gate(jobseeker=jobseeker, now=now)
        except DomainError:
            return mark_safe("")  # noqa: S308 - empty
        if not waitlist_open_days(jobseeker=jobseeker, first=day, last=day, now=now):
            return mark_safe("")  # noqa: S308 - empty
        first, last = waitlist_range(day, WaitlistScope.WEEK)
        # The week is offered only when it has no free time either (else: the calendar).
        if offer_week is None:
            offer_week = week_is_full(jobseeker, day, now)
        context["offer_week"] = offer_week
        context["week_days"] = waitlist_days_label(first, last, language)
        context["day_label"] = format_jp_date(day, language)
    return mark_safe(  # noqa: S308 - a template's output, escaped there
        render_to_string("bookings/_waitlist.html", context, request=request)
    )
