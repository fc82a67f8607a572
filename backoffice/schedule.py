"""A counselor's day and week: each slot, its reservation, attendants and invitation status."""

import datetime as dt

from django import forms
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET

from backoffice.selectors import schedule_days
from bookings.models import Counselor, ReservationStatus, Slot, SlotStatus
from bookings.services.reservations import follow_up_allowed, slot_deadline
from bookings.services.sessions import session_start_opens_at, session_start_refusal
from core.calendar import format_jp_date, tokyo_date
from core.dates import SensibleDateField
from jobseekers.services import audit_record_views
from notifications.models import NotificationStatus
from offices.admin_scope import scoped_choices, scoped_queryset, staff_page_require
from offices.models import Office


class ScheduleForm(forms.Form):
    date = SensibleDateField(label=_("Date"), required=False)
    counselor = forms.ModelChoiceField(
        label=_("Counselor"),
        queryset=Counselor.objects.none(),
        required=False,
        empty_label=_("All counselors"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["counselor"].queryset = scoped_choices(Counselor, user).filter(is_active=True)


def _slot_state(slot: Slot, now: dt.datetime) -> str:
    """What a slot is now, as staff need to read it: booked, stopped, past, closed by the
    cut-off (the rule of `reservation_create`), or still open to jobseekers."""
    if slot.booking is not None:
        return pgettext("slot state", "Booked")
    if slot.status != SlotStatus.OPEN:
        return pgettext("slot state", "Stopped")
    if slot.starts_at <= now:
        return pgettext("slot state", "Past")
    if now >= slot_deadline(slot=slot, office=slot.counselor.office):
        return pgettext("slot state", "Closed (cut-off passed)")
    return pgettext("slot state", "Open for booking")


@require_GET
def schedule_view(request: HttpRequest, days: int) -> HttpResponse:
    staff_page_require(request, "bookings.view_slot")
    user = request.user
    now = timezone.now()
    own = getattr(user, "counselor", None)
    data = request.GET.copy()
    if not data.get("date"):
        # The date field shows the day on screen, not an empty box with the browser's mm/dd/yyyy.
        data["date"] = tokyo_date(now).isoformat()
    if "counselor" not in data and own is not None:
        # A counselor opens the page on their own day.
        data["counselor"] = str(own.pk)
    form = ScheduleForm(data, user=user)
    day = tokyo_date(now)
    counselor = None
    http_status = 200
    if form.is_valid():
        day = form.cleaned_data["date"] or day
        counselor = form.cleaned_data["counselor"]
    else:
        # Today's schedule, under the form that says what was wrong with the query.
        http_status = 400
    start = day - dt.timedelta(days=day.weekday()) if days == 7 else day
    schedule = schedule_days(
        offices=scoped_queryset(request, Office),
        start=start,
        days=days,
        counselor=counselor,
        now=now,
    )
    audit_record_views(
        actor=user,
        jobseeker_ids=[
            slot.booking.jobseeker_id
            for entry in schedule
            for slot in entry.slots
            if slot.booking is not None
        ],
        target=f"schedule:{start.isoformat()}+{days}",
    )
    labels = dict(NotificationStatus.choices)
    for entry in schedule:
        for slot in entry.slots:
            slot.state_label = _slot_state(slot, now)
            if slot.booking is not None:
                status = slot.booking.invitation_status
                slot.booking.invitation_label = (
                    labels.get(status, status) if status else _("Not queued")
                )
                slot.booking.invitation_sent = status == NotificationStatus.SENT
                # Offered exactly when the service would start it; before that, the time it can.
                booking = slot.booking
                refusal = session_start_refusal(reservation=booking, now=now)
                booking.startable = refusal is None
                booking.start_opens_at = (
                    session_start_opens_at(reservation=booking)
                    if booking.status == ReservationStatus.CONFIRMED
                    and tokyo_date(booking.starts_at) == tokyo_date(now)
                    and refusal is not None
                    else None
                )
                booking.can_follow_up = follow_up_allowed(reservation=booking, now=now)
    step = dt.timedelta(days=days)
    query = f"&counselor={counselor.pk}" if counselor else ""
    return TemplateResponse(
        request,
        "admin/bookings/slot/schedule.html",
        {
            **admin.site.each_context(request),
            "title": _("Week view") if days == 7 else _("Day view"),
            "opts": Slot._meta,
            "form": form,
            "days": days,
            "schedule": [
                {"label": format_jp_date(entry.day), "entry": entry} for entry in schedule
            ],
            "counselor": counselor,
            "previous": f"?date={(start - step).isoformat()}{query}",
            "next": f"?date={(start + step).isoformat()}{query}",
            "other_view": f"?date={day.isoformat()}{query}",
            "now": now,
            "statuses": ReservationStatus,
            "can_run_sessions": user.has_perm("bookings.change_reservation"),
            "can_phone": user.has_perm("bookings.phone_reservation"),
            "can_follow_up": user.has_perm("bookings.add_reservation"),
            "here": request.get_full_path(),
        },
        status=http_status,
    )
