"""Art 9: every view or change of a jobseeker's record in the admin leaves an audit entry."""

from django.contrib import admin

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

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
