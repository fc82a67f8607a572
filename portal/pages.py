"""Rendering the public pages: the step indicator, the error title, the 429 page."""

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from bookings.models import Reservation
from core import ratelimit
from core.calendar import TOKYO, format_jp_date, tokyo_date
from notifications.ics import google_calendar_url, outlook_calendar_url
from notifications.services.sweep import reminder_time
from offices.models import Office

STEPS = [
    ("identify", _("Identify yourself")),
    ("terms", _("Terms of use")),
    ("checklist", _("Your environment")),
    ("time", _("Date and time")),
    ("details", _("Details")),
    ("check", _("Check your answers")),
]


def render_page(
    request: HttpRequest,
    template: str,
    context: dict | None = None,
    *,
    step: str | None = None,
    status: int = 200,
) -> HttpResponse:
    """Render a page of the journey: the step indicator and the error flag for the title."""
    context = dict(context or {})
    form = context.get("form")
    context.setdefault(
        "has_errors", bool(context.get("error")) or bool(form is not None and form.errors)
    )
    if step:
        number = [key for key, _label in STEPS].index(step) + 1
        context["steps"] = [
            {"key": key, "label": label, "number": i, "current": key == step}
            for i, (key, label) in enumerate(STEPS, start=1)
        ]
        context["step_number"] = number
        context["step_total"] = len(STEPS)
        context["step_label"] = STEPS[number - 1][1]
    return render(request, template, context, status=status)


def page_language() -> str:
    return (translation.get_language() or "ja")[:2]


def rate_limited(request: HttpRequest, rule: ratelimit.Limit) -> HttpResponse:
    """The 429 page: when to try again (minutes and the Japan clock time), why, and the offices'
    phone numbers, which work meanwhile."""
    wait = ratelimit.retry_after(rule)
    again = timezone.localtime(timezone.now() + dt.timedelta(seconds=wait), TOKYO)
    response = render_page(
        request,
        "bookings/rate_limited.html",
        {
            "minutes": max(1, wait // 60),
            "again_at": f"{again:%H:%M}",
            "to_this_address": rule.name == "identify_recipient",
            "offices": Office.objects.filter(is_active=True).order_by("code"),
        },
        status=429,
    )
    response["Retry-After"] = str(ratelimit.retry_after(rule))
    return response


def google_url(reservation: Reservation) -> str:
    return google_calendar_url(reservation, language=page_language())


def outlook_url(reservation: Reservation) -> str:
    return outlook_calendar_url(reservation, language=page_language())


def reminder_note(reservation: Reservation) -> str:
    """When the day-before reminder will come, or "" when this booking gets none (it was made
    after its reminder time: the invitation has just gone out). The rule is reminder_sweep's."""
    due = reminder_time(reservation)
    if (reservation.rescheduled_at or reservation.created_at) >= due:
        return ""
    return _("We will email you a reminder on %(day)s at about %(hour)s:00.") % {
        "day": format_jp_date(tokyo_date(due), page_language()),
        "hour": due.hour,
    }
