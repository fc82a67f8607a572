"""Admin of the usage records (Art 7): the bureau administrator only; exports need a reason."""

import csv
import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from backoffice.usage_figures import usage_figures
from bookings.models import Reservation
from core.calendar import tokyo_date
from core.dates import SensibleDateField
from core.errors import DateOutOfRange
from jobseekers.models import Jobseeker, UsageExport, UsageRecord, family_label
from jobseekers.numbers import normalize_jobseeker_number
from jobseekers.usage import MIN_REASON_LENGTH, ExportReasonRequired, usage_export
from offices.admin_scope import OfficeScopedAdmin, scoped_queryset
from offices.roles import is_bureau_administrator
from offices.selectors import offices_for_staff

FIGURES_DAYS = 30


class BureauAdministratorOnly:
    """Art 7: usage records are read by the bureau administrator role and no one else.

    Model permissions a group might grant do not widen this: the role decides.
    """

    def has_module_permission(self, request):
        return is_bureau_administrator(request.user)

    def has_view_permission(self, request, obj=None):
        return is_bureau_administrator(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(UsageRecord)
class UsageRecordAdmin(BureauAdministratorOnly, OfficeScopedAdmin):
    office_path = None  # scope_q: anonymous records included

    list_display = ["at", "method", "path", "status", "ip_address", "device_family", "os"]
    list_filter = ["status", "method", "device_family", "os_family", "browser_family"]
    search_fields = ["path", "ip_address"]
    date_hierarchy = "at"
    list_select_related = ["jobseeker"]
    raw_id_fields = ["jobseeker"]
    show_full_result_count = False

    @admin.display(description=_("operating system"), ordering="os_family")
    def os(self, obj: UsageRecord) -> str:
        return family_label(obj.os_family)

    def scope_q(self, request):
        """Records of the administrator's bureau's jobseekers, and anonymous ones (no bureau).

        The export and the figures read through it with `scoped_queryset`. A record of no
        jobseeker is a visit before anyone signed in: it names no one and no bureau
        (docs/security.md, "Usage records").
        """
        if request.user.is_superuser:
            return Q()
        return Q(jobseeker__isnull=True) | Q(jobseeker__office__in=offices_for_staff(request.user))

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("jobseeker")

    def get_urls(self):
        return [
            path(
                "export/",
                self.admin_site.admin_view(usage_export_view),
                name="jobseekers_usagerecord_export",
            ),
            path(
                "figures/",
                self.admin_site.admin_view(usage_figures_view),
                name="jobseekers_usagerecord_figures",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "export_url": reverse("admin:jobseekers_usagerecord_export"),
            "figures_url": reverse("admin:jobseekers_usagerecord_figures"),
        }
        return super().changelist_view(request, extra_context)


@admin.register(UsageExport)
class UsageExportAdmin(BureauAdministratorOnly, OfficeScopedAdmin):
    # Exports made by the staff of the administrator's bureau (one bureau never sees another's).
    office_path = "actor__staff_profile__bureau"

    list_display = ["at", "actor", "since", "until", "row_count", "reason_short"]
    list_select_related = ["actor"]
    date_hierarchy = "at"

    @admin.display(description=_("reason"))
    def reason_short(self, obj: UsageExport) -> str:
        return format_html("{}", obj.reason[:80])


class UsageExportForm(forms.Form):
    since = SensibleDateField(label=_("From"))
    until = SensibleDateField(label=_("To"))
    number = forms.CharField(
        label=_("Only this jobseeker number (optional)"), max_length=30, required=False
    )
    reason = forms.CharField(
        label=_("Reason for the export"),
        help_text=_(
            "Usage records are disclosed only on a request based on the law (Art 7(2)). "
            "Name the requesting authority and the request."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
        min_length=MIN_REASON_LENGTH,
    )

    def __init__(self, *args, jobseekers, **kwargs):
        super().__init__(*args, **kwargs)
        self.jobseekers = jobseekers

    def clean_number(self):
        raw = self.cleaned_data["number"]
        if not raw.strip():
            return None
        number = normalize_jobseeker_number(raw)
        # Looked up among the jobseekers the user may read: another bureau's number answers
        # as a number nobody has, so the form tells nothing about who is registered elsewhere.
        jobseeker = self.jobseekers.filter(number=number).first()
        if jobseeker is None:
            raise ValidationError(_("No jobseeker has this number."))
        return jobseeker

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            raise ValidationError(_("The start date is after the end date."))
        return data


class _Echo:
    def write(self, value: str) -> str:
        return value


def _require_bureau_administrator(request: HttpRequest) -> None:
    if not is_bureau_administrator(request.user):
        raise PermissionDenied


@require_http_methods(["GET", "POST"])
def usage_export_view(request: HttpRequest) -> HttpResponse:
    """The CSV export: refused without a reason; the export itself is recorded first."""
    _require_bureau_administrator(request)
    today = tokyo_date(timezone.now())
    form = UsageExportForm(
        request.POST or None,
        initial={"since": today - dt.timedelta(days=FIGURES_DAYS), "until": today},
        jobseekers=scoped_queryset(request, Jobseeker),
    )
    if request.method == "POST" and form.is_valid():
        try:
            export, rows = usage_export(
                actor=request.user,
                records=scoped_queryset(request, UsageRecord),
                reason=form.cleaned_data["reason"],
                since=form.cleaned_data["since"],
                until=form.cleaned_data["until"],
                jobseeker=form.cleaned_data["number"],
            )
        except ExportReasonRequired as exc:
            form.add_error("reason", exc.message)
        except DateOutOfRange as exc:
            form.add_error("since", exc.message)
        else:
            writer = csv.writer(_Echo())
            response = StreamingHttpResponse(
                ("\ufeff" if i == 0 else "") + writer.writerow(row) for i, row in enumerate(rows)
            )
            response["Content-Type"] = "text/csv; charset=utf-8"
            response["Content-Disposition"] = (
                f'attachment; filename="usage-records-{export.pk}.csv"'
            )
            return response
    return TemplateResponse(
        request,
        "admin/jobseekers/usagerecord/export.html",
        {
            **admin.site.each_context(request),
            "title": _("Export usage records"),
            "form": form,
            "opts": UsageRecord._meta,
        },
    )


@require_GET
def usage_figures_view(request: HttpRequest) -> HttpResponse:
    """Counts per day and per device, OS and browser family; bookings per channel (Art 7(2))."""
    _require_bureau_administrator(request)
    today = tokyo_date(timezone.now())
    try:
        days = min(max(int(request.GET.get("days", FIGURES_DAYS)), 1), 366)
    except ValueError:
        messages.error(request, _("The period must be a number of days."))
        return redirect("admin:jobseekers_usagerecord_figures")
    figures = usage_figures(
        records=scoped_queryset(request, UsageRecord),
        reservations=scoped_queryset(request, Reservation),
        since=today - dt.timedelta(days=days - 1),
        until=today,
    )
    return TemplateResponse(
        request,
        "admin/jobseekers/usagerecord/figures.html",
        {
            **admin.site.each_context(request),
            "title": _("Usage figures"),
            "figures": figures,
            "days": days,
            "opts": UsageRecord._meta,
        },
    )
