"""Admin of terms versions (drafted, previewed and published by the bureau administrator) and
of consent records (read-only, for the staff of the jobseeker's office)."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from backoffice.audit import ChangePageViewAudit
from consent.models import Consent, TermsVersion
from consent.selectors import terms_in_force, terms_notice_recipients
from consent.services import consent_history_viewed, terms_publish
from core.errors import DomainError
from notifications.emails import email_render
from notifications.models import Notification, NotificationKind
from offices.admin_scope import OfficeScopedAdmin, scoped_or_404
from offices.roles import is_bureau_administrator

DRAFT_FIELDS = ["bureau", "label", "effective_from", "summary", "summary_en", "body", "body_en"]


@admin.register(TermsVersion)
class TermsVersionAdmin(OfficeScopedAdmin):
    """Art 14: drafts are edited freely; a published version is read-only (and so is its row)."""

    office_path = "bureau"
    list_display = ["label", "bureau", "effective_from", "status", "published_at"]
    list_filter = ["bureau"]
    fields = DRAFT_FIELDS
    readonly_fields_published = [*DRAFT_FIELDS, "published_at", "published_by"]

    def has_module_permission(self, request):
        return is_bureau_administrator(request.user)

    def has_view_permission(self, request, obj=None):
        return is_bureau_administrator(request.user)

    def has_add_permission(self, request):
        return is_bureau_administrator(request.user)

    def has_change_permission(self, request, obj=None):
        return is_bureau_administrator(request.user) and (obj is None or not obj.is_published)

    def has_delete_permission(self, request, obj=None):
        return is_bureau_administrator(request.user) and obj is not None and not obj.is_published

    def get_fields(self, request, obj=None):
        if obj is not None and obj.is_published:
            return self.readonly_fields_published
        return DRAFT_FIELDS

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_published:
            return self.readonly_fields_published
        return []

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    # Deleting in bulk would try published versions too; drafts are deleted one by one.
    actions = None

    @admin.display(description=_("status"))
    def status(self, obj: TermsVersion) -> str:
        if not obj.is_published:
            return str(_("Draft"))
        now = timezone.now()
        if obj.effective_from > now:
            return str(_("Published; not yet in force"))
        current = terms_in_force(bureau_id=obj.bureau_id, now=now)
        return str(_("In force")) if current == obj else str(_("No longer in force"))

    def get_urls(self):
        return [
            path(
                "<int:pk>/preview/",
                self.admin_site.admin_view(terms_preview_view),
                name="consent_termsversion_preview",
            ),
            path(
                "<int:pk>/publish/",
                self.admin_site.admin_view(terms_publish_view),
                name="consent_termsversion_publish",
            ),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["preview_url"] = reverse("admin:consent_termsversion_preview", args=[obj.pk])
        return super().render_change_form(request, context, add, change, form_url, obj)


def _version_for(request: HttpRequest, pk: int) -> TermsVersion:
    if not is_bureau_administrator(request.user):
        raise PermissionDenied
    return scoped_or_404(TermsVersion.objects.all(), request, pk=pk)


def _notice_preview(version: TermsVersion, language: str) -> dict:
    """The Art 14 notice as a jobseeker reading `language` will get it (the one renderer)."""
    email = email_render(
        Notification(kind=NotificationKind.TERMS_CHANGE, terms_version=version, language=language)
    )
    return {"language": language, "subject": email.subject, "body": email.text}


@require_GET
def terms_preview_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The text as jobseekers will read it, the notice they will get, and how many get it."""
    version = _version_for(request, pk)
    now = timezone.now()
    return TemplateResponse(
        request,
        "admin/consent/termsversion/preview.html",
        {
            **admin.site.each_context(request),
            "title": _("Preview of %(label)s") % {"label": version.label},
            "opts": TermsVersion._meta,
            "version": version,
            "current": terms_in_force(bureau_id=version.bureau_id, now=now),
            "recipients": terms_notice_recipients(bureau_id=version.bureau_id, now=now).count(),
            "notices": [_notice_preview(version, "ja"), _notice_preview(version, "en")],
        },
    )


@require_POST
def terms_publish_view(request: HttpRequest, pk: int) -> HttpResponse:
    version = _version_for(request, pk)
    try:
        terms_publish(version=version, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("admin:consent_termsversion_preview", pk=version.pk)
    messages.success(
        request,
        _("%(label)s is published; the notices to jobseekers are being sent.")
        % {"label": version.label},
    )
    return redirect("admin:consent_termsversion_changelist")


class ConsentInline(admin.TabularInline):
    """A jobseeker's consent history on their page (staff of their office, Art 2(3), 9)."""

    model = Consent
    extra = 0
    can_delete = False
    fields = ["terms_version", "given_at", "channel", "ip_address", "video_app_terms_accepted"]
    readonly_fields = fields
    ordering = ["-given_at"]
    verbose_name_plural = _("consent history")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Consent)
class ConsentAdmin(ChangePageViewAudit, OfficeScopedAdmin):
    """Consents are records: nobody edits or deletes them; staff see their office's."""

    office_path = "jobseeker__office"
    list_display = ["jobseeker", "terms_version", "given_at", "channel", "ip_address"]
    list_select_related = ["jobseeker", "terms_version"]
    list_filter = ["terms_version", "channel"]
    search_fields = ["jobseeker__number"]
    date_hierarchy = "given_at"
    readonly_fields = [
        "jobseeker_link",
        "terms_version",
        "given_at",
        "channel",
        "ip_address",
        "video_app_terms_accepted",
    ]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def change_page_viewed(self, request, obj) -> None:
        # Art 9: a consent names its jobseeker; opening it is a view of their record.
        consent_history_viewed(jobseeker=obj.jobseeker, actor=request.user)

    @admin.display(description=_("jobseeker"))
    def jobseeker_link(self, obj: Consent) -> str:
        url = reverse("admin:jobseekers_jobseeker_change", args=[obj.jobseeker_id])
        return format_html('<a href="{}">{}</a>', url, obj.jobseeker)
