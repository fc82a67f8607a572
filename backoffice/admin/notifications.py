"""Notification pages of the admin: what has not gone out, what failed and why, re-sending.

Every list is limited to the offices the staff member works for (Art 9), through the one
scoping rule (`offices.admin_scope`): a notification's office is its reservation's, else its
jobseeker's (`selectors.notification_office_q`), also for a superuser.
"""

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from core.calendar import format_jp_datetime
from notifications.models import Notification, NotificationStatus, PendingInvitation, TrackingEvent
from notifications.selectors import invitations_not_sent_among, notification_office_q
from notifications.services.meeting import (
    MeetingUrlUnavailable,
    reservation_meeting_fallback,
    reservation_meeting_retry,
    reservation_meeting_url_retry,
)
from notifications.services.outbox import notification_resend
from offices.admin_scope import OfficeScopedAdmin
from offices.selectors import offices_for_staff


class ReadOnlyAdmin(OfficeScopedAdmin):
    # A notification's office is its reservation's, else its jobseeker's: each scope_q below.
    office_path = None

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = [
        "kind",
        "status",
        "reservation",
        "office",
        "queued_at",
        "sent_at",
        "attempts",
        "delivery_event",
        "reason",
    ]
    list_select_related = ["reservation__office", "jobseeker__office"]
    list_filter = ["status", "kind", "delivery_event"]
    search_fields = ["reservation__reference", "provider_message_id"]
    date_hierarchy = "queued_at"
    actions = ["resend"]
    readonly_fields = [
        "kind",
        "status",
        "reservation",
        "jobseeker",
        "terms_version",
        "sequence",
        "recipient",
        "language",
        "attempts",
        "provider_message_id",
        "last_error",
        "delivery_event",
        "delivery_event_at",
        "queued_at",
        "next_attempt_at",
        "sending_started_at",
        "sent_at",
        "failed_at",
    ]
    exclude = ["idempotency_key"]

    def scope_q(self, request):
        return notification_office_q(offices_for_staff(request.user))

    def get_queryset(self, request):
        return (
            super().get_queryset(request).select_related("reservation__office", "jobseeker__office")
        )

    @admin.display(description=_("office"))
    def office(self, obj: Notification):
        if obj.reservation_id:
            return obj.reservation.office
        return obj.jobseeker.office if obj.jobseeker_id else "-"

    @admin.display(description=_("reason"))
    def reason(self, obj: Notification) -> str:
        if obj.status in (NotificationStatus.FAILED, NotificationStatus.SKIPPED) or (
            obj.status == NotificationStatus.QUEUED and obj.last_error
        ):
            return gettext(obj.last_error)[:200]
        return ""

    @admin.action(description=_("Send again"))
    def resend(self, request, queryset) -> None:
        requeued = sum(notification_resend(notification=n) for n in queryset)
        skipped = queryset.count() - requeued
        self.message_user(
            request,
            ngettext(
                "%(count)d notification queued again.",
                "%(count)d notifications queued again.",
                requeued,
            )
            % {"count": requeued},
            messages.SUCCESS,
        )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d notification is already queued or being sent.",
                    "%(count)d notifications are already queued or being sent.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )


@admin.register(PendingInvitation)
class PendingInvitationAdmin(ReadOnlyAdmin):
    """Art 6(3): every confirmed reservation whose invitation has not gone out, and since when."""

    office_path = "office"  # a reservation of the user's offices

    list_display = [
        "reference",
        "starts_at",
        "office",
        "created_at",
        "waiting",
        "invitation",
        "reason",
    ]
    list_filter = ["office"]
    search_fields = ["reference"]
    ordering = ["created_at"]
    actions = ["send_invitation", "retry_meeting", "use_fallback"]
    list_display_links = None
    # The reservation's page link is not a code staff read (nor the hash of it).
    exclude = ["access_nonce", "access_token_hash"]

    def get_queryset(self, request):
        return invitations_not_sent_among(super().get_queryset(request))

    @admin.display(description=_("waiting for"), ordering="created_at")
    def waiting(self, obj) -> str:
        return timesince(obj.created_at, timezone.now())

    @admin.display(description=_("invitation"))
    def invitation(self, obj) -> str:
        if obj.invitation_status is None:
            return gettext("not written")
        return str(NotificationStatus(obj.invitation_status).label)

    @admin.display(description=_("reason"))
    def reason(self, obj) -> str:
        if obj.invitation_id is None:
            text = gettext(obj.meeting_url_problem or "No meeting URL.")
        else:
            text = gettext(obj.invitation_error or "")[:200]
        office = obj.office
        if obj.meeting_provider and office.meeting_provider_failing_since is not None:
            # The office's video service is failing: every reservation of it waits for staff.
            failing = gettext("The office's video service is failing since %(since)s: %(why)s") % {
                "since": format_jp_datetime(office.meeting_provider_failing_since),
                "why": gettext(office.meeting_provider_failure),
            }
            text = f"{text} {failing}" if text else failing
        return text

    @admin.action(description=_("Retry making the meeting at the video service"))
    def retry_meeting(self, request, queryset) -> None:
        retried, refused = 0, []
        for reservation in queryset:
            if reservation_meeting_retry(reservation=reservation.pk):
                retried += 1
            else:
                refused.append(reservation.reference)
        self.message_user(
            request,
            ngettext(
                "%(count)d meeting will be tried again now.",
                "%(count)d meetings will be tried again now.",
                retried,
            )
            % {"count": retried},
            messages.SUCCESS,
        )
        for reference in refused:
            self.message_user(
                request,
                f"{reference}: "
                + gettext("This reservation's meeting is not made at a video service."),
                messages.WARNING,
            )

    @admin.action(description=_("Use the office's fallback URL (template) and send the invitation"))
    def use_fallback(self, request, queryset) -> None:
        switched, problems = 0, []
        for reservation in queryset:
            try:
                reservation_meeting_fallback(reservation=reservation.pk)
            except MeetingUrlUnavailable as exc:
                problems.append(f"{reservation.reference}: {gettext(exc.problem)}")
            else:
                switched += 1
        self.message_user(
            request,
            ngettext("%(count)d invitation queued.", "%(count)d invitations queued.", switched)
            % {"count": switched},
            messages.SUCCESS,
        )
        for problem in problems:
            self.message_user(request, problem, messages.ERROR)

    @admin.action(description=_("Send the invitation again (making the meeting URL anew)"))
    def send_invitation(self, request, queryset) -> None:
        queued, problems = 0, []
        for reservation in queryset:
            if reservation.invitation_status == NotificationStatus.WAITING:
                # It waits for the video service: try the meeting again, which then sends it.
                if reservation_meeting_retry(reservation=reservation.pk):
                    queued += 1
                continue
            if reservation.invitation_id is not None:
                notification = Notification.objects.get(pk=reservation.invitation_id)
                queued += notification_resend(notification=notification)
                continue
            try:
                reservation_meeting_url_retry(reservation=reservation.pk)
            except MeetingUrlUnavailable as exc:
                problems.append(f"{reservation.reference}: {gettext(exc.problem)}")
            else:
                queued += 1
        self.message_user(
            request,
            ngettext("%(count)d invitation queued.", "%(count)d invitations queued.", queued)
            % {"count": queued},
            messages.SUCCESS,
        )
        for problem in problems:
            self.message_user(request, problem, messages.ERROR)


@admin.register(TrackingEvent)
class TrackingEventAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "esp_name", "event_type", "notification", "description"]
    list_filter = ["event_type", "esp_name"]
    list_select_related = ["notification"]

    def scope_q(self, request):
        return notification_office_q(offices_for_staff(request.user), prefix="notification__")
