from base64 import b32encode

import segno
from axes.utils import reset as axes_reset
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import Exists, OuterRef
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import SessionCutoff
from .services import NotStaff, totp_device_issue, user_sessions_end

User = get_user_model()


class StaffUserAdmin(UserAdmin):
    """Django's user admin, plus what an administrator needs after an incident."""

    list_display = [
        "username",
        "email",
        "is_staff",
        "is_superuser",
        "is_active",
        "has_authenticator",
        "last_login",
    ]
    actions = ["end_sessions", "issue_authenticator", "unlock_sign_in"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                _has_authenticator=Exists(
                    TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
                )
            )
        )

    @admin.display(boolean=True, description=_("authenticator"), ordering="_has_authenticator")
    def has_authenticator(self, obj) -> bool:
        return obj._has_authenticator

    @admin.action(description=_("End all sessions of the selected users"), permissions=["change"])
    def end_sessions(self, request: HttpRequest, queryset) -> None:
        now = timezone.now()
        count = 0
        for user in queryset:
            user_sessions_end(user=user, actor=request.user, now=now)
            count += 1
        self.message_user(
            request,
            ngettext(
                "Ended the sessions of %(count)d user: they must log in again.",
                "Ended the sessions of %(count)d users: they must log in again.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("Unlock sign-in of the selected users"), permissions=["change"])
    def unlock_sign_in(self, request: HttpRequest, queryset) -> None:
        count = 0
        for user in queryset:
            count += axes_reset(username=user.get_username())
        self.message_user(
            request,
            ngettext(
                "Cleared %(count)d lockout record.", "Cleared %(count)d lockout records.", count
            )
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(
        description=_("Issue a new authenticator key (replaces the old one)"),
        permissions=["issue_authenticator"],
    )
    def issue_authenticator(self, request: HttpRequest, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Select exactly one user."), messages.ERROR)
            return None
        user = queryset.get()
        try:
            device = totp_device_issue(user=user, actor=request.user, replace=True)
        except NotStaff as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return None
        uri = device.config_url
        response = TemplateResponse(
            request,
            "security/authenticator_issued.html",
            {
                **self.admin_site.each_context(request),
                "title": _("New authenticator key"),
                "subject": user,
                "uri": uri,
                "secret": b32encode(device.bin_key).decode(),
                "qr_svg": segno.make(uri, error="m").svg_inline(scale=4, omitsize=False),
                "opts": self.model._meta,
            },
        )
        # The key is shown once and must not be kept by a browser or a proxy.
        response["Cache-Control"] = "no-store"
        return response

    def has_issue_authenticator_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("otp_totp.add_totpdevice") and request.user.has_perm(
            "otp_totp.delete_totpdevice"
        )


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, StaffUserAdmin)


@admin.register(SessionCutoff)
class SessionCutoffAdmin(admin.ModelAdmin):
    list_display = ["user", "not_before", "ended_by"]
    list_select_related = ["user", "ended_by"]
    search_fields = ["user__username"]
    readonly_fields = ["user", "not_before", "ended_by"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
