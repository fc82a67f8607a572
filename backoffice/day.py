"""The counselor's day: the home page of a counselor, today's consultations in order with the
one thing to do next on each (start, end, record a no-show, book the follow-up).

A thin view: the reservations are read within the user's offices (`scoped_queryset`), and
each button is offered exactly when the service would accept it (`session_start_refusal`,
`noshow_record_refusal`, `follow_up_allowed`), which check again when it is pressed.
"""

import datetime as dt
from dataclasses import dataclass

from django import forms
from django.contrib import admin
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_GET

from backoffice.reservation_page import attendants, invitation_state, late_notice
from bookings.models import Counselor, Reservation, ReservationStatus
from bookings.services.reservations import follow_up_allowed
from bookings.services.sessions import (
    noshow_record_refusal,
    session_start_opens_at,
    session_start_refusal,
)
from core.calendar import TOKYO, format_jp_date, tokyo_date, tokyo_day_bounds
from core.dates import SensibleDateField
from jobseekers.services import audit_record_views
from notifications.models import NotificationStatus
from notifications.selectors import with_invitation_status
from offices.admin_scope import scoped_choices, scoped_queryset, staff_page_require

ALL = "all"


class DayForm(forms.Form):
    date = SensibleDateField(label=gettext_lazy("Date"), required=False)
    counselor = forms.ModelChoiceField(
        label=gettext_lazy("Counselor"),
        queryset=Counselor.objects.none(),
        required=False,
        empty_label=gettext_lazy("All counselors"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["counselor"].queryset = scoped_choices(Counselor, user).filter(is_active=True)


@dataclass(frozen=True)
class NextAction:
    """The one button of a row: a POST to the session page (start, no-show) or a link."""

    kind: str
    label: str
    url: str
    post: bool = False
    note: str = ""


def own_counselor(user) -> Counselor | None:
    counselor = getattr(user, "counselor", None)
    return counselor if counselor is not None and counselor.is_active else None


def next_action(reservation: Reservation, *, now: dt.datetime, user) -> NextAction:
    session_url = reverse("admin:bookings_reservation_session", args=[reservation.pk])
    runs = user.has_perm("bookings.change_reservation")
    status = reservation.status
    if runs and status == ReservationStatus.CONFIRMED:
        # Ten minutes past the start with no contact, the rule says no-show (Art 6(5)); the
        # session page still offers the start for someone who joins just then.
        if noshow_record_refusal(reservation=reservation, now=now) is None:
            return NextAction("no_show", _("Record a no-show"), session_url, post=True)
        if session_start_refusal(reservation=reservation, now=now) is None:
            return NextAction("start", _("Start the session"), session_url, post=True)
        if tokyo_date(reservation.starts_at) == tokyo_date(now) and now < reservation.starts_at:
            opens = session_start_opens_at(reservation=reservation).astimezone(TOKYO)
            return NextAction(
                "wait",
                pgettext("next action", "Details"),
                session_url,
                note=_("Start from %(time)s") % {"time": f"{opens:%H:%M}"},
            )
    if runs and status == ReservationStatus.IN_SESSION:
        return NextAction("end", _("End the session"), f"{session_url}#end")
    if (
        user.has_perm("bookings.add_reservation")
        and status in (ReservationStatus.IN_SESSION, ReservationStatus.COMPLETED)
        and follow_up_allowed(reservation=reservation, now=now)
        and not reservation.has_follow_up
    ):
        return NextAction(
            "follow_up",
            _("Book the next consultation"),
            reverse("admin:bookings_reservation_follow_up", args=[reservation.pk]),
        )
    return NextAction("open", pgettext("next action", "Details"), session_url)


def day_reservations(request: HttpRequest, *, day: dt.date, counselor: Counselor | None):
    since, until = tokyo_day_bounds(day)
    follow_ups = Reservation.objects.active().filter(previous=OuterRef("pk"))
    reservations = (
        with_invitation_status(
            scoped_queryset(request, Reservation)
            .active()
            .filter(starts_at__gte=since, starts_at__lt=until)
        )
        .annotate(has_follow_up=Exists(follow_ups))
        .select_related("jobseeker", "slot__counselor", "office")
        .order_by("starts_at", "slot__counselor__display_name")
    )
    if counselor is not None:
        reservations = reservations.filter(slot__counselor=counselor)
    return list(reservations)


@require_GET
def counselor_day_view(request: HttpRequest) -> HttpResponse:
    staff_page_require(request, "bookings.view_reservation")
    user = request.user
    now = timezone.now()
    today = tokyo_date(now)
    own = own_counselor(user)
    data = request.GET.copy()
    if not data.get("date"):
        data["date"] = today.isoformat()
    if "counselor" not in data and own is not None:
        data["counselor"] = str(own.pk)
    form = DayForm(data, user=user)
    day, counselor, status = today, None, 200
    if form.is_valid():
        day = form.cleaned_data["date"] or today
        counselor = form.cleaned_data["counselor"]
    else:
        status = 400
    reservations = day_reservations(request, day=day, counselor=counselor)
    audit_record_views(
        actor=user,
        jobseeker_ids=[r.jobseeker_id for r in reservations],
        target=f"day:{day.isoformat()}",
    )
    next_pk = None
    if day == today:
        upcoming = [
            r
            for r in reservations
            if r.status in (ReservationStatus.CONFIRMED, ReservationStatus.IN_SESSION)
            and r.ends_at > now
        ]
        next_pk = upcoming[0].pk if upcoming else None
    rows = [
        {
            "reservation": r,
            "time": f"{r.starts_at.astimezone(TOKYO):%H:%M}〜{r.ends_at.astimezone(TOKYO):%H:%M}",
            "attendants": attendants(r),
            "invitation": invitation_state(r.invitation_status),
            "invitation_sent": r.invitation_status == NotificationStatus.SENT,
            "late_notice": late_notice(r),
            "action": next_action(r, now=now, user=user),
            "is_next": r.pk == next_pk,
        }
        for r in reservations
    ]
    query = f"&counselor={counselor.pk}" if counselor else "&counselor="
    here = request.get_full_path()
    return TemplateResponse(
        request,
        "admin/bookings/reservation/today.html",
        {
            **admin.site.each_context(request),
            "title": (
                _("My day")
                if own is not None and counselor == own
                else _("Consultations of the day")
            ),
            "opts": Reservation._meta,
            "form": form,
            "day_label": format_jp_date(day),
            "is_today": day == today,
            "rows": rows,
            "counselor": counselor,
            "show_counselor": counselor is None,
            "previous": f"?date={(day - dt.timedelta(days=1)).isoformat()}{query}",
            "next": f"?date={(day + dt.timedelta(days=1)).isoformat()}{query}",
            "today_link": f"?date={today.isoformat()}{query}",
            "here": here,
            "can_phone": user.has_perm("bookings.phone_reservation"),
        },
        status=status,
    )


def staff_home_view(request: HttpRequest, extra_context=None) -> HttpResponse:
    """The admin's home: a counselor lands on their day; everyone else on the index (which
    links to the day). `?index=1` opens the index for a counselor too."""
    if (
        own_counselor(request.user) is not None
        and request.user.has_perm("bookings.view_reservation")
        and "index" not in request.GET
    ):
        return redirect("admin:bookings_reservation_today")
    return admin.site.index(request, extra_context)
