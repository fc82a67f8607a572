"""The phone desk: phoned-in cancellations and late notices (Art 6(5)), and the follow-up
booked during a session (Art 6(4)). Thin views over services; every object is looked up
within the user's offices (404 otherwise)."""

import datetime as dt

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from bookings.models import Reservation, Slot
from bookings.selectors import free_slots, upcoming_for_phone
from bookings.services.reservations import (
    follow_up_allowed,
    reservation_cancel,
    reservation_cancel_refusal,
    reservation_change_refusal,
    reservation_follow_up,
    reservation_late_notice,
)
from core.calendar import (
    TOKYO,
    WEEKDAYS_JA,
    format_jp_date,
    format_jp_datetime,
    format_jp_range,
    tokyo_date,
)
from core.dates import CallTimeField, call_time_default
from core.errors import DomainError
from jobseekers.models import AuditAction, Jobseeker
from jobseekers.selectors import jobseekers_search
from jobseekers.services import audit_record
from offices.admin_scope import (
    scoped_or_404,
    scoped_queryset,
    staff_page_context,
    staff_page_require,
)

SEARCH_LIMIT = 20


class PhoneSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Jobseeker number, name or reservation reference"),
        max_length=100,
        help_text=_("The number may be typed with full-width digits, any dash, or without it."),
    )


class CallForm(forms.Form):
    caller = forms.CharField(label=_("Who called"), max_length=100, initial=_("The jobseeker"))
    # Within the last week and not in the future (`core.dates.call_time_check`, which the
    # services apply again).
    called_at = CallTimeField(label=_("Called at"))


class CancelForm(CallForm):
    reason = forms.CharField(label=_("Reason"), max_length=500)
    note = forms.CharField(label=_("Note"), max_length=500, required=False, widget=forms.Textarea)


class LateNoticeForm(CallForm):
    note = forms.CharField(
        label=_("Note (e.g. how late)"), max_length=200, required=False, widget=forms.Textarea
    )


def _readback(form: forms.Form) -> list[tuple[str, str]]:
    """What staff read back to the caller: each field's label and its cleaned value as a person
    says it (the time of the call in Japan time, 2026年12月1日（火）10:12), not the raw input."""
    lines = []
    for name, field in form.fields.items():
        value = form.cleaned_data.get(name)
        if isinstance(value, dt.datetime):
            value = format_jp_datetime(value)
        lines.append((str(field.label), "" if value is None else str(value)))
    return lines


def _call_initial() -> dict:
    return {"called_at": call_time_default()}


@require_GET
def phone_search_view(request: HttpRequest) -> HttpResponse:
    staff_page_require(request, "bookings.phone_reservation")
    now = timezone.now()
    form = PhoneSearchForm(request.GET or None)
    results: list[tuple[Jobseeker, list[Reservation]]] = []
    searched = False
    if form.is_valid():
        searched = True
        term = form.cleaned_data["q"].strip()
        scope = scoped_queryset(request, Jobseeker)
        by_reference = scoped_queryset(request, Reservation).filter(reference=term.upper()).first()
        if by_reference is not None:
            return redirect("admin:bookings_reservation_phone", by_reference.pk)
        jobseekers = list(
            jobseekers_search(queryset=scope, term=term).select_related("office")[:SEARCH_LIMIT]
        )
        upcoming: dict[int, list[Reservation]] = {}
        for reservation in upcoming_for_phone(jobseekers=jobseekers, now=now):
            reservation.when = format_jp_range(reservation.starts_at, reservation.ends_at)
            upcoming.setdefault(reservation.jobseeker_id, []).append(reservation)
        results = [(jobseeker, upcoming.get(jobseeker.pk, [])) for jobseeker in jobseekers]
    return TemplateResponse(
        request,
        "admin/bookings/reservation/phone_search.html",
        staff_page_context(
            request,
            _("Phoned-in cancellation or late notice"),
            model=Reservation,
            form=form,
            results=results,
            searched=searched,
        ),
    )


@require_http_methods(["GET", "POST"])
def phone_view(request: HttpRequest, pk: int) -> HttpResponse:
    staff_page_require(request, "bookings.phone_reservation")
    now = timezone.now()
    reservation = scoped_or_404(
        Reservation.objects.select_related("jobseeker", "office", "slot__counselor"),
        request,
        pk=pk,
    )
    cancel_form = CancelForm(initial=_call_initial())
    late_form = LateNoticeForm(initial=_call_initial())
    confirming = False
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        # The services' own rules, shown before the call goes further (and checked again by
        # the service under the row lock when it is recorded).
        refusal = reservation_change_refusal(reservation=reservation, now=now)
        status = 400
        if refusal is not None:
            messages.error(request, refusal.message)
        elif action == "cancel":
            cancel_form = CancelForm(request.POST)
            refusal = reservation_cancel_refusal(reservation=reservation, now=now)
            if cancel_form.is_valid() and refusal is not None:
                messages.error(request, refusal.message)
            elif cancel_form.is_valid() and request.POST.get("confirm") != "yes":
                # Step two: the summary is shown and staff confirm it with the caller.
                confirming = True
                status = 200
            elif cancel_form.is_valid():
                data = cancel_form.cleaned_data
                try:
                    reservation_cancel(
                        reservation=reservation,
                        actor=request.user,
                        reason=data["reason"],
                        caller=data["caller"],
                        called_at=data["called_at"],
                        note=data["note"],
                    )
                except DomainError as exc:
                    messages.error(request, exc.message)
                else:
                    messages.success(
                        request,
                        _(
                            "Reservation %(reference)s was cancelled; the slot is open again and "
                            "the cancellation email is queued."
                        )
                        % {"reference": reservation.reference},
                    )
                    return redirect("admin:bookings_reservation_phone_search")
        elif action == "late":
            late_form = LateNoticeForm(request.POST)
            if late_form.is_valid():
                data = late_form.cleaned_data
                try:
                    reservation_late_notice(
                        reservation=reservation,
                        actor=request.user,
                        caller=data["caller"],
                        called_at=data["called_at"],
                        note=data["note"],
                    )
                except DomainError as exc:
                    messages.error(request, exc.message)
                else:
                    messages.success(
                        request,
                        _(
                            "The late notice was recorded: reservation %(reference)s will not be "
                            "cancelled as a no-show."
                        )
                        % {"reference": reservation.reference},
                    )
                    return redirect("admin:bookings_reservation_phone", reservation.pk)
        else:
            messages.error(request, _("Unknown action."))
        reservation.refresh_from_db()
    else:
        audit_record(
            action=AuditAction.VIEW,
            actor=request.user,
            jobseeker=reservation.jobseeker,
            target=f"reservation:{reservation.pk}",
            detail="phone desk",
        )
    return TemplateResponse(
        request,
        "admin/bookings/reservation/phone.html",
        staff_page_context(
            request,
            _("Phoned-in cancellation or late notice"),
            model=Reservation,
            reservation=reservation,
            when=format_jp_range(reservation.starts_at, reservation.ends_at),
            refusal=getattr(
                reservation_change_refusal(reservation=reservation, now=now), "message", ""
            ),
            started=reservation.starts_at <= now,
            cancel_form=cancel_form,
            late_form=late_form,
            confirming=confirming,
            readback=_readback(cancel_form) if confirming else [],
        ),
        status=status,
    )


class FollowUpForm(forms.Form):
    slot = forms.IntegerField(widget=forms.HiddenInput)
    interpreter_language = forms.CharField(
        label=_("Interpreter (language)"), max_length=50, required=False
    )
    assistant_attends = forms.BooleanField(label=_("An assistant attends"), required=False)
    note = forms.CharField(
        label=_("Note"),
        max_length=400,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
    )


# The counselor's own next free times offered first, as buttons.
OWN_FIRST = 6


def _short_day(day: dt.date) -> str:
    """A day as a button reads it: 12月3日（木）; Thu 3 Dec."""
    if (get_language() or "ja").startswith("en"):
        return f"{day:%a} {day.day} {day:%b}"
    return f"{day.month}月{day.day}日（{WEEKDAYS_JA[day.weekday()]}）"


def _time_of(slot: Slot) -> str:
    start = slot.starts_at.astimezone(TOKYO)
    return f"{start:%H:%M}"


def _picker(
    request: HttpRequest, *, previous: Reservation, now: dt.datetime, show_all: bool
) -> dict:
    """The counselor's next free times, then the free days and the chosen day's times."""
    own = previous.slot.counselor
    own_slots = free_slots(office=previous.office, now=now, counselor=own)
    slots = free_slots(office=previous.office, now=now, counselor=None) if show_all else own_slots
    by_day: dict[dt.date, list[Slot]] = {}
    for slot in slots:
        by_day.setdefault(tokyo_date(slot.starts_at), []).append(slot)
    days = [
        {"date": day, "label": _short_day(day), "count": len(found), "iso": day.isoformat()}
        for day, found in by_day.items()
    ]
    chosen_day = None
    raw = request.GET.get("day", "")
    if raw:
        try:
            chosen_day = dt.date.fromisoformat(raw)
        except ValueError:
            chosen_day = None
    if chosen_day not in by_day:
        chosen_day = next(iter(by_day), None)
    for slot in [*own_slots, *slots]:
        slot.time = _time_of(slot)
        slot.day_label = _short_day(tokyo_date(slot.starts_at))
        slot.when = format_jp_range(slot.starts_at, slot.ends_at)
    return {
        "own_counselor": own,
        "own_first": own_slots[:OWN_FIRST],
        "days": days,
        "chosen_day": chosen_day.isoformat() if chosen_day else "",
        "chosen_day_label": format_jp_date(chosen_day) if chosen_day else "",
        "day_slots": by_day.get(chosen_day, []),
        "slots": slots,
        "free_ids": {slot.pk for slot in slots} | {slot.pk for slot in own_slots},
    }


@require_http_methods(["GET", "POST"])
def follow_up_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Book the next consultation in two clicks: a time (a link), then the confirmation."""
    staff_page_require(request, "bookings.add_reservation")
    now = timezone.now()
    previous = scoped_or_404(
        Reservation.objects.select_related("jobseeker", "office", "slot__counselor"),
        request,
        pk=pk,
    )
    show_all = request.GET.get("counselor") == "all"
    status = 200
    form = FollowUpForm(
        initial={
            "interpreter_language": previous.interpreter_language,
            "assistant_attends": previous.assistant_attends,
        }
    )
    allowed = follow_up_allowed(reservation=previous, now=now)
    chosen: Slot | None = None
    if request.method == "POST":
        status = 400
        form = FollowUpForm(request.POST)
        if not allowed:
            messages.error(
                request,
                _(
                    "A follow-up can be booked only from a consultation that is being held "
                    "or was held today."
                ),
            )
        elif form.is_valid():
            data = form.cleaned_data
            slot = scoped_queryset(request, Slot).filter(pk=data["slot"]).first()
            if slot is None:
                messages.error(request, _("Choose one of the free times shown."))
            else:
                try:
                    booked = reservation_follow_up(
                        previous=previous,
                        slot=slot,
                        actor=request.user,
                        interpreter_language=data["interpreter_language"],
                        assistant_attends=data["assistant_attends"],
                        note=data["note"],
                        now=now,
                    )
                except DomainError as exc:
                    messages.error(request, exc.message)
                else:
                    messages.success(
                        request,
                        _(
                            "The next consultation is booked for %(when)s (%(reference)s); it is "
                            "confirmed and the invitation is queued."
                        )
                        % {
                            "when": format_jp_range(booked.starts_at, booked.ends_at),
                            "reference": booked.reference,
                        },
                    )
                    return redirect(
                        reverse("admin:bookings_reservation_session", args=[previous.pk])
                    )
        else:
            messages.error(request, _("Choose one of the free times shown."))
    picker = _picker(request, previous=previous, now=now, show_all=show_all) if allowed else {}
    if allowed and request.method == "GET" and request.GET.get("slot"):
        # Step two: the chosen time, to confirm (with the attendants and a note).
        try:
            slot_id = int(request.GET["slot"])
        except ValueError:
            slot_id = None
        if slot_id in picker["free_ids"]:
            chosen = scoped_queryset(request, Slot).select_related("counselor").get(pk=slot_id)
            chosen.when = format_jp_range(chosen.starts_at, chosen.ends_at)
            form.initial["slot"] = chosen.pk
        else:
            status = 400
            messages.error(
                request, _("This time is no longer free. Choose one of the free times shown.")
            )
    query = "&counselor=all" if show_all else ""
    return TemplateResponse(
        request,
        "admin/bookings/reservation/follow_up.html",
        staff_page_context(
            request,
            _("Book the next consultation"),
            model=Reservation,
            previous=previous,
            when=format_jp_range(previous.starts_at, previous.ends_at),
            allowed=allowed,
            show_all=show_all,
            query=query,
            chosen=chosen,
            form=form,
            **picker,
        ),
        status=status,
    )
