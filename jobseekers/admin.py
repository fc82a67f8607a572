from django.contrib import admin
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from bookings.admin_session import jobseeker_refusal_view
from bookings.selectors import offices_for_staff
from consent.admin import ConsentInline

from . import admin_usage  # noqa: F401 - registers the usage records' admin (Art 7)
from .admin_audit import AuditEntryAdminBase, JobseekerAuditMixin
from .models import AuditEntry, Jobseeker
from .roles import is_bureau_administrator


@admin.register(Jobseeker)
class JobseekerAdmin(JobseekerAuditMixin, admin.ModelAdmin):
    list_display = [
        "number",
        "family_name",
        "given_name",
        "office",
        "registration_status",
        "suspended",
        "needs_review",
        "refusal_link",
    ]
    list_select_related = ["office"]
    list_filter = ["office", "registration_status", "suspended", "needs_review", "email_problem"]
    inlines = [ConsentInline]
    search_fields = ["number", "family_name", "given_name", "family_name_kana", "given_name_kana"]

    def get_queryset(self, request):
        # Art 9: staff see only the jobseekers of their office.
        return super().get_queryset(request).filter(office__in=offices_for_staff(request.user))

    def get_urls(self):
        return [
            path(
                "<int:pk>/refusal/",
                self.admin_site.admin_view(jobseeker_refusal_view),
                name="jobseekers_jobseeker_refusal",
            ),
            *super().get_urls(),
        ]

    @admin.display(description=_("No-shows and suspension"))
    def refusal_link(self, obj: Jobseeker) -> str:
        url = reverse("admin:jobseekers_jobseeker_refusal", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Review"))


@admin.register(AuditEntry)
class AuditEntryAdmin(AuditEntryAdminBase):
    list_display = ["at", "actor", "action", "target", "jobseeker"]
    list_select_related = ["actor", "jobseeker"]
    list_filter = ["action"]
    search_fields = ["target", "jobseeker__number"]
    date_hierarchy = "at"

    def get_queryset(self, request):
        # Art 9: the trail of their office's jobseekers; entries about no jobseeker (exports)
        # only for the bureau administrator.
        entries = super().get_queryset(request)
        if request.user.is_superuser:
            return entries
        mine = entries.filter(jobseeker__office__in=offices_for_staff(request.user))
        if is_bureau_administrator(request.user):
            return mine | entries.filter(jobseeker__isnull=True)
        return mine
