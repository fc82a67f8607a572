"""The admin of bureaus, offices, their closed days and staff profiles (Art 9: scoped)."""

from django.contrib import admin, messages
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from meetings.credentials import credentials_for
from meetings.errors import CredentialError
from offices.admin_scope import OfficeScopedAdmin, OfficeScopedInline, bureaus_for_staff
from offices.models import ONLINE_MEETING_MODES, Bureau, Office, OfficeClosedDay, StaffProfile

RELATED_ONLY = admin.RelatedOnlyFieldListFilter


@admin.register(Bureau)
class BureauAdmin(OfficeScopedAdmin):
    office_path = ""
    list_display = ["name", "code"]
    search_fields = ["name", "code"]


class OfficeClosedDayInline(OfficeScopedInline):
    model = OfficeClosedDay
    extra = 0


@admin.register(Office)
class OfficeAdmin(OfficeScopedAdmin):
    office_path = ""
    list_display = ["name", "code", "registration_code", "phone", "is_active"]
    list_filter = [
        ("bureau", RELATED_ONLY),
        "is_active",
        "online_cancellation_allowed",
        "unverified_may_book",
    ]
    search_fields = ["name", "code", "registration_code"]
    inlines = [OfficeClosedDayInline]
    # Set and cleared by the meetings' task (notifications/services/meeting.py), not by hand.
    readonly_fields = ["meeting_provider_failing_since", "meeting_provider_failure_text"]
    exclude = ["meeting_provider_failure"]

    def save_model(self, request, obj: Office, form, change) -> None:
        super().save_model(request, obj, form, change)
        if obj.meeting_url_mode not in ONLINE_MEETING_MODES:
            return
        try:
            credentials_for(obj.bureau.code, obj.meeting_url_mode)
        except CredentialError as error:
            # Names the variables and the secrets file's section to fill, never a value.
            self.message_user(
                request,
                gettext(
                    "The server has no credentials for this office's video service yet; "
                    "meetings cannot be made until they are set: %(detail)s"
                )
                % {"detail": error.detail},
                messages.WARNING,
            )

    @admin.display(description=_("video service failure"))
    def meeting_provider_failure_text(self, obj: Office) -> str:
        return gettext(obj.meeting_provider_failure) if obj.meeting_provider_failure else "-"


@admin.register(OfficeClosedDay)
class OfficeClosedDayAdmin(OfficeScopedAdmin):
    list_display = ["date", "office", "reason"]
    list_select_related = ["office"]
    list_filter = [("office", RELATED_ONLY)]
    date_hierarchy = "date"


@admin.register(StaffProfile)
class StaffProfileAdmin(OfficeScopedAdmin):
    list_display = ["user", "office", "bureau"]
    list_select_related = ["user", "office", "bureau"]
    list_filter = [("office", RELATED_ONLY)]
    search_fields = ["user__username"]

    def scope_q(self, request):
        scope = super().scope_q(request)
        if request.user.is_superuser:
            return scope
        # A bureau administrator's own profile has no office: match on the bureau too.
        return scope | Q(office__isnull=True, bureau__in=bureaus_for_staff(request.user))

    def get_readonly_fields(self, request, obj=None):
        # Moving a user between accounts is a superuser's job (they manage the users).
        if obj is not None and not request.user.is_superuser:
            return ["user"]
        return []
