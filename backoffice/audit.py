"""Art 9: every view or change of a jobseeker's record in the admin leaves an audit entry."""

import datetime as dt
import re

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.calendar import format_jp_date
from jobseekers.models import AuditAction
from jobseekers.services import audit_record


class ChangePageViewAudit:
    """For a ModelAdmin whose change page shows a jobseeker's data (Art 9): the GET that shows
    it calls `change_page_viewed`, which records the view."""

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        shown = getattr(response, "context_data", {}).get("original")
        if request.method == "GET" and shown is not None and response.status_code == 200:
            self.change_page_viewed(request, shown)
        return response

    def change_page_viewed(self, request, obj) -> None:
        raise NotImplementedError


class JobseekerAuditMixin(ChangePageViewAudit):
    """For a ModelAdmin of Jobseeker: audit the change page's GET (a view) and each save.

    The detail lists changed field names only, never values (no personal data in the trail).
    """

    def change_page_viewed(self, request, obj) -> None:
        audit_record(
            action=AuditAction.VIEW,
            actor=request.user,
            jobseeker=obj,
            target=f"jobseeker:{obj.pk}",
            detail="admin",
        )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        fields = ",".join(sorted(form.changed_data)) if form is not None else ""
        audit_record(
            action=AuditAction.CHANGE if change else AuditAction.CREATE,
            actor=request.user,
            jobseeker=obj,
            target=f"jobseeker:{obj.pk}",
            detail=f"admin fields={fields}"[:500],
        )


class AuditEntryAdminBase(admin.ModelAdmin):
    """The trail is read-only; staff see the entries of their office's jobseekers."""

    fields = ["at", "actor", "action", "jobseeker", "record", "detail_label"]
    readonly_fields = ["record", "detail_label"]

    @admin.display(description=_("record"), ordering="target")
    def record(self, obj) -> str:
        return audit_target_label(obj.target)

    @admin.display(description=_("detail"))
    def detail_label(self, obj) -> str:
        return audit_detail_label(obj.detail)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# What each kind of audit target names, as staff read it (the stored target is a code such
# as "reservation:42", kept as it is for searching and for the records).
TARGET_KINDS = {
    "reservation": _("Reservation"),
    "session": _("Session page"),
    "jobseeker": _("Jobseeker"),
    "refusal": _("No-shows and suspension"),
    "schedule": _("Day and week view"),
    "day": _("Consultations of the day"),
    "registration_request": _("Online registration request"),
    "usage_export": _("Usage record export"),
}
# The fixed details the services write, as staff read them; other details (changed field
# names, a status code) are shown as they are stored.
DETAILS = {
    "admin": _("Admin page"),
    "phone desk": _("Phone desk"),
    "completed": _("Completed"),
    "ended_early": _("Ended early"),
    "automatic: 10 minutes past the start without contact": _(
        "Automatic: 10 minutes past the start without contact"
    ),
    "automatic: no-show threshold": _("Automatic: no-show threshold reached"),
    "roster import: email address": _("Roster import: email address"),
    "first visit with the roster's email address": _("First visit with the roster's email address"),
    "retention policy": _("Retention period ended"),
    "consent history": _("History of agreements"),
}


MOVED = re.compile(r"slot (\d+) -> (\d+)")


def audit_target_label(target: str) -> str:
    """ "reservation:42" → 予約 #42; "schedule:2027-01-13+7" → 日・週の表示 2027年1月13日（水）から7日."""
    kind, _sep, rest = target.partition(":")
    label = TARGET_KINDS.get(kind)
    if label is None:
        return target
    if kind == "schedule":
        day, _sep, days = rest.partition("+")
        try:
            start = format_jp_date(dt.date.fromisoformat(day))
        except ValueError:
            return f"{label} {rest}"
        return str(
            _("%(page)s from %(day)s, %(days)s days") % {"page": label, "day": start, "days": days}
        )
    if kind == "day":
        try:
            return f"{label} {format_jp_date(dt.date.fromisoformat(rest))}"
        except ValueError:
            return f"{label} {rest}"
    return f"{label} #{rest}"


def audit_detail_label(detail: str) -> str:
    moved = MOVED.fullmatch(detail)
    if moved:
        # bookings.services.moves: "slot 12 -> 34", the reservation's time changed.
        return str(
            _("Time changed (slot #%(old)s → #%(new)s)") % {"old": moved[1], "new": moved[2]}
        )
    label = DETAILS.get(detail)
    return str(label) if label is not None else detail
