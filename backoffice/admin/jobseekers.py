"""Jobseekers in the back office: registrations, roster import, the audit trail (Art 2(1), 9)."""

import secrets

from django import forms
from django.contrib import admin, messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from backoffice import (
    registrations,  # noqa: F401 - registers the registration requests' admin
    usage,  # noqa: F401 - registers the usage records' admin (Art 7)
)
from backoffice.admin.consent import ConsentInline
from backoffice.audit import AuditEntryAdminBase, JobseekerAuditMixin
from backoffice.session import jobseeker_refusal_view
from core.calendar import tokyo_date
from core.dates import SensibleDateField
from core.errors import DomainError
from jobseekers.kana import normalize_kana
from jobseekers.models import AuditEntry, EmailProblem, Jobseeker, RosterEntry
from jobseekers.numbers import normalize_jobseeker_number
from jobseekers.roster import RosterError, roster_import, roster_preview
from jobseekers.selectors import jobseekers_search
from jobseekers.services import jobseeker_verify, registration_end_for
from offices.admin_scope import (
    OfficeScopedAdmin,
    bureaus_for_staff,
    scoped_choices,
    scoped_or_404,
    scoped_queryset,
    staff_page_context,
    staff_page_require,
)
from offices.models import Office
from offices.roles import is_bureau_administrator
from offices.selectors import offices_for_staff

ROSTER_SESSION_KEY = "roster_import"


class JobseekerForm(forms.ModelForm):
    """Staff type numbers and readings as people do; store the normal forms."""

    class Meta:
        model = Jobseeker
        fields = [
            "number",
            "family_name",
            "given_name",
            "family_name_kana",
            "given_name_kana",
            "email",
            "phone",
            "office",
            "preferred_language",
        ]

    def clean_number(self) -> str:
        return normalize_jobseeker_number(self.cleaned_data["number"])

    def clean_family_name_kana(self) -> str:
        return normalize_kana(self.cleaned_data["family_name_kana"])

    def clean_given_name_kana(self) -> str:
        return normalize_kana(self.cleaned_data["given_name_kana"])


class EmailProblemFilter(admin.SimpleListFilter):
    title = _("email delivery problem")
    parameter_name = "email_problem"

    def lookups(self, request, model_admin):
        return [("any", _("Bounced or complaint")), *EmailProblem.choices[1:]]

    def queryset(self, request, queryset):
        if self.value() == "any":
            return queryset.exclude(email_problem="")
        if self.value() in EmailProblem.values:
            return queryset.filter(email_problem=self.value())
        return queryset


@admin.register(Jobseeker)
class JobseekerAdmin(JobseekerAuditMixin, OfficeScopedAdmin):
    form = JobseekerForm
    inlines = [ConsentInline]
    list_display = [
        "number",
        "family_name",
        "given_name",
        "office",
        "registration_status",
        "registration_valid_until",
        "suspended",
        "needs_review",
        "refusal_link",
    ]
    list_select_related = ["office"]
    list_filter = [
        ("office", admin.RelatedOnlyFieldListFilter),
        "registration_status",
        "suspended",
        "needs_review",
        EmailProblemFilter,
    ]
    search_fields = ["number", "family_name", "given_name", "family_name_kana", "given_name_kana"]
    search_help_text = _("Jobseeker number (typed any way) or name, in kanji or kana.")
    actions = ["verify"]
    # Registration, suspension and delivery state change only through services.
    readonly_fields = [
        "registration_status",
        "registration_valid_until",
        "verified_at",
        "verified_by",
        "suspended",
        "suspension_reason",
        "needs_review",
        "email_verified_at",
        "email_bound_at",
        "email_problem",
        "email_problem_at",
        "last_activity_at",
    ]

    def get_fields(self, request, obj=None):
        if obj is None:
            return JobseekerForm.Meta.fields
        return [*JobseekerForm.Meta.fields, *self.readonly_fields]

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        return jobseekers_search(queryset=queryset, term=search_term), False

    def save_model(self, request, obj, form, change):
        if not change or "email" in form.changed_data:
            # Staff typed the address: the office binds it to the number (docs/security.md).
            # It is proven again at its first sign-in; journeys signed in before end.
            obj.email_bound_at = timezone.now()
            if change:
                obj.email_verified_at = None
                obj.email_problem = EmailProblem.NONE
                obj.email_problem_at = None
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None):
        # Erasure is anonymisation with a record (issue 7), not a delete.
        return request.user.is_superuser

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/refusal/",
                wrap(jobseeker_refusal_view),
                name="jobseekers_jobseeker_refusal",
            ),
            path("<int:pk>/verify/", wrap(verify_view), name="jobseekers_jobseeker_verify"),
            path("import-roster/", wrap(roster_view), name="jobseekers_jobseeker_roster"),
            *super().get_urls(),
        ]

    @admin.display(description=_("No-shows and suspension"))
    def refusal_link(self, obj: Jobseeker) -> str:
        url = reverse("admin:jobseekers_jobseeker_refusal", args=[obj.pk])
        verify = reverse("admin:jobseekers_jobseeker_verify", args=[obj.pk])
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>', url, _("Review"), verify, _("Verify")
        )

    @admin.action(
        description=_("Verify registration (valid to the end of the month after next)"),
        permissions=["change"],
    )
    def verify(self, request: HttpRequest, queryset):
        count = 0
        for jobseeker in queryset:
            jobseeker_verify(jobseeker=jobseeker, actor=request.user)
            count += 1
        self.message_user(
            request,
            ngettext(
                "%(count)d registration was verified.",
                "%(count)d registrations were verified.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )


class VerifyForm(forms.Form):
    valid_until = SensibleDateField(label=_("Registration valid until"))


@require_http_methods(["GET", "POST"])
def verify_view(request: HttpRequest, pk: int) -> HttpResponse:
    staff_page_require(request, "jobseekers.change_jobseeker")
    jobseeker = scoped_or_404(Jobseeker.objects.select_related("office"), request, pk=pk)
    today = tokyo_date(timezone.now())
    form = VerifyForm(
        request.POST or None,
        initial={"valid_until": jobseeker.registration_valid_until or registration_end_for(today)},
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                jobseeker_verify(
                    jobseeker=jobseeker,
                    actor=request.user,
                    valid_until=form.cleaned_data["valid_until"],
                )
            except DomainError as exc:
                form.add_error("valid_until", exc.message)
            else:
                messages.success(request, _("The registration is verified."))
                return redirect("admin:jobseekers_jobseeker_change", jobseeker.pk)
    return TemplateResponse(
        request,
        "admin/jobseekers/jobseeker/verify.html",
        staff_page_context(
            request, _("Verify registration"), model=Jobseeker, jobseeker=jobseeker, form=form
        ),
        status=status,
    )


class RosterUploadForm(forms.Form):
    office = forms.ModelChoiceField(label=_("Office"), queryset=Office.objects.none())
    file = forms.FileField(
        label=_("Roster file (CSV)"),
        help_text=_(
            "Three columns: jobseeker number, name, registration valid until (e.g. 2027/03/31); "
            "a fourth, the email address the jobseeker gave the office, is optional. UTF-8 with "
            "or without BOM, or Shift_JIS as Excel saves it. A header row is allowed."
        ),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        offices = scoped_choices(Office, user)
        self.fields["office"].queryset = offices
        if offices.count() == 1:
            self.fields["office"].initial = offices.first()


@require_http_methods(["GET", "POST"])
def roster_view(request: HttpRequest) -> HttpResponse:
    """Upload → preview with each row's problems → import all rows, or nothing."""
    staff_page_require(request, "jobseekers.add_rosterentry")
    now = timezone.now()
    form = RosterUploadForm(user=request.user)
    preview = None
    token = ""
    status = 200
    if request.method == "POST" and request.POST.get("action") == "import":
        stored = request.session.get(ROSTER_SESSION_KEY) or {}
        office = scoped_choices(Office, request.user).filter(pk=stored.get("office")).first()
        if stored.get("token") != request.POST.get("token") or office is None:
            messages.error(request, _("This preview has expired; upload the file again."))
            return redirect("admin:jobseekers_jobseeker_roster")
        try:
            done = roster_import(
                rows=stored["rows"],
                office=office,
                actor=request.user,
                jobseekers=scoped_queryset(request, Jobseeker),
                now=now,
            )
        except RosterError as exc:
            messages.error(request, exc.message)
            return redirect("admin:jobseekers_jobseeker_roster")
        request.session.pop(ROSTER_SESSION_KEY, None)
        messages.success(
            request,
            _(
                "%(count)s rows imported for %(office)s; %(matched)s registered jobseekers "
                "are verified."
            )
            % {"count": len(done.rows), "office": office, "matched": done.matched_count},
        )
        return redirect("admin:jobseekers_jobseeker_changelist")
    if request.method == "POST":
        status = 400
        form = RosterUploadForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            office = form.cleaned_data["office"]
            upload = form.cleaned_data["file"]
            data = upload.read(2 * 1024 * 1024 + 1)
            preview = roster_preview(
                data=data,
                office=office,
                today=tokyo_date(now),
                jobseekers=scoped_queryset(request, Jobseeker),
            )
            if preview.ok:
                status = 200
                token = secrets.token_urlsafe(16)
                request.session[ROSTER_SESSION_KEY] = {
                    "token": token,
                    "office": office.pk,
                    "rows": [[row.line, row.cells] for row in preview.rows],
                }
    return TemplateResponse(
        request,
        "admin/jobseekers/jobseeker/roster.html",
        staff_page_context(
            request,
            _("Import a roster"),
            model=Jobseeker,
            form=form,
            preview=preview,
            token=token,
        ),
        status=status,
    )


@admin.register(RosterEntry)
class RosterEntryAdmin(OfficeScopedAdmin):
    list_display = ["number", "full_name", "valid_until", "office", "imported_at"]
    list_select_related = ["office"]
    list_filter = [("office", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["number", "full_name"]
    readonly_fields = ["office", "number", "imported_at", "imported_by"]

    def has_add_permission(self, request):
        # Rows arrive through the import, which checks them all.
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(AuditEntryAdminBase, OfficeScopedAdmin):
    office_path = None  # scope_q: the office's jobseekers, and more for the bureau
    list_display = ["at", "actor", "action", "record", "jobseeker"]
    list_select_related = ["actor", "jobseeker"]
    list_filter = ["action"]
    search_fields = ["target", "jobseeker__number"]
    date_hierarchy = "at"

    def scope_q(self, request):
        # Art 9: the trail of their office's jobseekers. An entry about no jobseeker (an
        # export) belongs to the bureau of the staff member who acted, as the export itself
        # does (UsageExportAdmin), and only the bureau administrator reads it.
        if request.user.is_superuser:
            return Q()
        mine = Q(jobseeker__office__in=offices_for_staff(request.user))
        if is_bureau_administrator(request.user):
            return mine | Q(
                jobseeker__isnull=True,
                actor__staff_profile__bureau__in=bureaus_for_staff(request.user),
            )
        return mine
