from django.contrib import admin

from .models import AuditEntry, Jobseeker


@admin.register(Jobseeker)
class JobseekerAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "family_name",
        "given_name",
        "office",
        "registration_status",
        "suspended",
    ]
    list_select_related = ["office"]
    list_filter = ["office", "registration_status", "suspended", "needs_review", "email_problem"]
    search_fields = ["number", "family_name", "given_name", "family_name_kana", "given_name_kana"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "action", "target"]
    list_select_related = ["actor"]
    list_filter = ["action"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
