"""Admin pages of the session day: start and end a consultation, the refusal policy, figures.

Thin views: they find the object within the staff user's offices (404 otherwise, Art 9) and
call services; every rule lives in the services.
"""

import datetime as dt

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from backoffice.reservation_page import reservation_summary
from bookings.models import Reservation, ReservationStatus
from bookings.policy import (
    jobseeker_clear_review,
    jobseeker_noshow_count,
    jobseeker_suspend,
    jobseeker_unsuspend,
)
from bookings.selectors import office_week_figures
from bookings.services.reservations import follow_up_allowed
from bookings.services.sessions import (
    noshow_record,
    noshow_record_refusal,
    session_end,
    session_end_early,
    session_outcome_set,
    session_start,
    session_start_opens_at,
    session_start_refusal,
)
from core.calendar import TOKYO, format_jp_range, tokyo_date
from core.errors import DomainError
from jobseekers.models import Jobseeker
from jobseekers.services import audit_record_views
from offices.admin_scope import (
    scoped_or_404,
    scoped_queryset,
    staff_page_context,
    staff_page_require,
)
from offices.models import Office

FIGURES_WEEKS = 12


class SessionEndForm(forms.Form):
    outcome = forms.CharField(
        label=_("Outcome (optional)"), max_length=500, required=False, widget=forms.Textarea
    )


class OutcomeForm(forms.Form):
    outcome = forms.CharField(label=_("Outcome"), max_length=500, widget=forms.Textarea)


class SessionEndEarlyForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for ending early (Art 13(1))"), max_length=500, widget=forms.Textarea
    )


class SuspendForm(forms.Form):
    reason = forms.CharField(label=_("Reason for suspension"), widget=forms.Textarea)


def _next_or(request: HttpRequest, default: str) -> str:
    """Back to the page the button was on (the day view), when that is a page of this site."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


@require_http_methods(["GET", "POST"])
def reservation_session_view(request: HttpRequest, pk: int) -> HttpResponse:
    staff_page_require(request, "bookings.change_reservation")
    reservation = scoped_or_404(
        Reservation.objects.select_related("jobseeker", "office", "slot__counselor"),
        request,
        pk=pk,
    )
    end_form = SessionEndForm()
    early_form = SessionEndEarlyForm()
    outcome_form = OutcomeForm(initial={"outcome": reservation.outcome})
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "start":
                session_start(reservation=reservation, actor=request.user)
                messages.success(request, _("The session has started."))
                return redirect(_next_or(request, request.path))
            if action == "no_show":
                noshow_record(reservation=reservation, actor=request.user)
                messages.success(request, _("The no-show was recorded."))
                return redirect(_next_or(request, request.path))
            if action == "outcome":
                outcome_form = OutcomeForm(request.POST)
                if outcome_form.is_valid():
                    session_outcome_set(
                        reservation=reservation,
                        actor=request.user,
                        outcome=outcome_form.cleaned_data["outcome"],
                    )
                    messages.success(request, _("The outcome was saved."))
                    return redirect(request.path)
            elif action == "end":
                end_form = SessionEndForm(request.POST)
                if end_form.is_valid():
                    session_end(
                        reservation=reservation,
                        actor=request.user,
                        outcome=end_form.cleaned_data["outcome"],
                    )
                    messages.success(request, _("The session has ended."))
                    return redirect(request.path)
            elif action == "end_early":
                early_form = SessionEndEarlyForm(request.POST)
                if early_form.is_valid():
                    session_end_early(
                        reservation=reservation,
                        actor=request.user,
                        reason=early_form.cleaned_data["reason"],
                    )
                    messages.warning(
                        request,
                        _("The session was ended early. You may now suspend the jobseeker."),
                    )
                    return redirect(
                        reverse(
                            "admin:jobseekers_jobseeker_refusal", args=[reservation.jobseeker_id]
                        )
                    )
            else:
                messages.error(request, _("Unknown action."))
        except DomainError as exc:
            messages.error(request, exc.message)
        reservation.refresh_from_db()
    else:
        audit_record_views(
            actor=request.user, jobseeker_ids=[reservation.jobseeker_id], target=f"session:{pk}"
        )
    now = timezone.now()
    start_refusal = session_start_refusal(reservation=reservation, now=now)
    confirmed = reservation.status == ReservationStatus.CONFIRMED
    opens_at = session_start_opens_at(reservation=reservation).astimezone(TOKYO)
    follow_ups = list(
        scoped_queryset(request, Reservation)
        .active()
        .filter(previous=reservation)
        .select_related("slot__counselor")
    )
    for booked in follow_ups:
        booked.when = format_jp_range(booked.starts_at, booked.ends_at)
    return TemplateResponse(
        request,
        "admin/bookings/reservation/session.html",
        staff_page_context(
            request,
            _("Running the consultation"),
            reservation=reservation,
            summary=reservation_summary(request, reservation),
            when=format_jp_range(reservation.starts_at, reservation.ends_at),
            # The button only when the service would start it; otherwise why, and from when.
            can_start=start_refusal is None,
            start_note=start_refusal.message if start_refusal is not None and confirmed else "",
            start_opens=(
                f"{opens_at:%H:%M}"
                if confirmed
                and start_refusal is not None
                and now < opens_at
                and tokyo_date(now) == tokyo_date(reservation.starts_at)
                else ""
            ),
            can_no_show=noshow_record_refusal(reservation=reservation, now=now) is None,
            in_session=reservation.status == ReservationStatus.IN_SESSION,
            completed=reservation.status == ReservationStatus.COMPLETED,
            can_follow_up=follow_up_allowed(reservation=reservation, now=now)
            and request.user.has_perm("bookings.add_reservation"),
            follow_ups=follow_ups,
            end_form=end_form,
            early_form=early_form,
            outcome_form=outcome_form,
            day_url=reverse("admin:bookings_reservation_today")
            + f"?date={tokyo_date(reservation.starts_at).isoformat()}",
            opts=Reservation._meta,
        ),
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
def jobseeker_refusal_view(request: HttpRequest, pk: int) -> HttpResponse:
    staff_page_require(request, "jobseekers.change_jobseeker")
    jobseeker = scoped_or_404(Jobseeker.objects.select_related("office"), request, pk=pk)
    suspend_form = SuspendForm()
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "suspend":
                suspend_form = SuspendForm(request.POST)
                if suspend_form.is_valid():
                    jobseeker_suspend(
                        jobseeker=jobseeker,
                        actor=request.user,
                        reason=suspend_form.cleaned_data["reason"],
                    )
                    messages.success(request, _("The jobseeker is suspended from online booking."))
                    return redirect(request.path)
            elif action == "clear_review":
                jobseeker_clear_review(jobseeker=jobseeker, actor=request.user)
                messages.success(request, _("The review flag was cleared."))
                return redirect(request.path)
            elif action == "unsuspend":
                jobseeker_unsuspend(jobseeker=jobseeker, actor=request.user)
                messages.success(request, _("The suspension was lifted."))
                return redirect(request.path)
            else:
                messages.error(request, _("Unknown action."))
        except DomainError as exc:
            messages.error(request, exc.message)
        jobseeker.refresh_from_db()
    else:
        audit_record_views(actor=request.user, jobseeker_ids=[jobseeker.pk], target=f"refusal:{pk}")
    return TemplateResponse(
        request,
        "admin/jobseekers/jobseeker/refusal.html",
        staff_page_context(
            request,
            _("No-shows and suspension"),
            jobseeker=jobseeker,
            noshow_count=jobseeker_noshow_count(jobseeker=jobseeker),
            suspend_form=suspend_form,
            opts=Jobseeker._meta,
        ),
        status=400 if request.method == "POST" else 200,
    )


@require_GET
def figures_view(request: HttpRequest) -> HttpResponse:
    staff_page_require(request, "bookings.view_reservation")
    now = timezone.now()
    rows = office_week_figures(
        offices=scoped_queryset(request, Office),
        since=now - dt.timedelta(weeks=FIGURES_WEEKS),
        until=now,
    )
    return TemplateResponse(
        request,
        "admin/bookings/figures.html",
        staff_page_context(
            request,
            _("Attendance, no-show and cancellation rates"),
            rows=rows,
            weeks=FIGURES_WEEKS,
            opts=Reservation._meta,
        ),
    )
