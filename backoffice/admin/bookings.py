"""The back office: every ModelAdmin is limited to the user's offices (OfficeScopedAdmin, Art 9).

Changes that carry a rule of the terms (cancelling, blocking, generating slots, sessions) go
through services, from actions and custom pages; the change forms leave those fields read-only.
"""

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from backoffice.audit import ChangePageViewAudit
from backoffice.dashboard import dashboard_view
from backoffice.day import counselor_day_view
from backoffice.phone import follow_up_view, phone_search_view, phone_view
from backoffice.reservation_page import reservation_summary
from backoffice.schedule import schedule_view
from backoffice.session import figures_view, reservation_session_view
from bookings.models import (
    Counselor,
    Reservation,
    ReservationStatus,
    Slot,
    SlotStatus,
    WeeklyAvailability,
)
from bookings.services.slots import (
    slot_block,
    slot_create,
    slot_create_refusal,
    slot_unblock,
    slots_generate_weeks,
)
from core.calendar import tokyo_date, tokyo_day_bounds
from core.errors import DomainError
from jobseekers.models import Jobseeker
from jobseekers.selectors import jobseekers_search
from jobseekers.services import audit_record_views
from notifications.selectors import invitation_unsent_q
from offices.admin_scope import OfficeScopedAdmin, OfficeScopedInline

RELATED_ONLY = admin.RelatedOnlyFieldListFilter
SESSIONLESS_STATUSES = {ReservationStatus.CANCELLED, ReservationStatus.NO_SHOW}


class WeeklyAvailabilityInline(OfficeScopedInline):
    model = WeeklyAvailability
    extra = 0


class GenerateSlotsForm(forms.Form):
    weeks = forms.IntegerField(
        label=_("Weeks ahead"),
        min_value=1,
        max_value=26,
        initial=4,
        help_text=_(
            "Slots are made from the weekly patterns, skipping weekends, national holidays, "
            "29 December to 3 January and the office's closed days. Existing slots are kept."
        ),
    )


@admin.register(Counselor)
class CounselorAdmin(OfficeScopedAdmin):
    list_display = ["display_name", "office", "is_active", "schedule_link"]
    list_select_related = ["office"]
    list_filter = [("office", RELATED_ONLY), "is_active"]
    search_fields = ["display_name", "user__username"]
    inlines = [WeeklyAvailabilityInline]
    actions = ["generate_slots"]

    @admin.display(description=_("Schedule"))
    def schedule_link(self, obj: Counselor) -> str:
        url = reverse("admin:bookings_slot_day")
        return format_html('<a href="{}?counselor={}">{}</a>', url, obj.pk, _("Day and week"))

    def has_generate_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("bookings.add_slot")

    @admin.action(
        description=_("Generate slots from the weekly patterns"), permissions=["generate"]
    )
    def generate_slots(self, request: HttpRequest, queryset):
        form = GenerateSlotsForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            created = sum(
                slots_generate_weeks(counselor=counselor, weeks=form.cleaned_data["weeks"])
                for counselor in queryset.select_related("office")
            )
            self.message_user(
                request,
                ngettext("%(count)d slot was created.", "%(count)d slots were created.", created)
                % {"count": created},
                messages.SUCCESS,
            )
            return None
        return TemplateResponse(
            request,
            "admin/bookings/counselor/generate_slots.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Generate slots"),
                "form": form,
                "counselors": queryset,
                "opts": self.opts,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )


@admin.register(WeeklyAvailability)
class WeeklyAvailabilityAdmin(OfficeScopedAdmin):
    office_path = "counselor__office"
    list_display = ["counselor", "weekday", "start_time", "end_time", "valid_from", "valid_until"]
    list_select_related = ["counselor"]
    list_filter = [("counselor", RELATED_ONLY), "weekday"]


class SlotAddForm(forms.ModelForm):
    """A single slot; the rules (closed day, overlap, 30 minutes) are the service's."""

    class Meta:
        model = Slot
        fields = ["counselor", "starts_at"]

    def clean(self):
        cleaned = super().clean()
        counselor = cleaned.get("counselor")
        starts_at = cleaned.get("starts_at")
        if counselor is None or starts_at is None:
            return cleaned
        refusal = slot_create_refusal(counselor=counselor, starts_at=starts_at)
        if refusal is not None:
            raise forms.ValidationError(refusal.message)
        return cleaned


class SlotStatusFilter(admin.SimpleListFilter):
    title = _("booking")
    parameter_name = "booked"

    def lookups(self, request, model_admin):
        return [("yes", _("Booked")), ("no", _("Free"))]

    def queryset(self, request, queryset):
        active = Reservation.objects.active()
        if self.value() == "yes":
            return queryset.filter(pk__in=active.values("slot_id"))
        if self.value() == "no":
            return queryset.exclude(pk__in=active.values("slot_id"))
        return queryset


@admin.register(Slot)
class SlotAdmin(OfficeScopedAdmin):
    list_display = ["starts_at", "counselor", "office", "status", "blocked_reason"]
    list_select_related = ["counselor", "office"]
    list_filter = [
        ("office", RELATED_ONLY),
        "status",
        SlotStatusFilter,
        ("counselor", RELATED_ONLY),
    ]
    date_hierarchy = "starts_at"
    actions = ["block", "unblock"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = SlotAddForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["counselor", "starts_at"]
        return ["counselor", "office", "starts_at", "ends_at", "status", "blocked_reason"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        # Time and status change only through slot_create / slot_block / slot_unblock.
        return ["counselor", "office", "starts_at", "ends_at", "status"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        created = slot_create(counselor=obj.counselor, starts_at=obj.starts_at)
        obj.pk = created.pk
        obj.office = created.office
        obj.ends_at = created.ends_at

    def add_view(self, request, form_url="", extra_context=None):
        try:
            return super().add_view(request, form_url, extra_context)
        except DomainError as exc:
            # Another slot won a race after the form's check (slot_create refused): say so.
            self.message_user(request, exc.message, messages.ERROR)
            return redirect(request.get_full_path())

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("day/", wrap(schedule_view), {"days": 1}, name="bookings_slot_day"),
            path("week/", wrap(schedule_view), {"days": 7}, name="bookings_slot_week"),
            *super().get_urls(),
        ]

    @admin.action(description=_("Block the selected slots"), permissions=["change"])
    def block(self, request: HttpRequest, queryset):
        blocked, refused = 0, []
        for slot in queryset:
            try:
                slot_block(slot=slot, reason=str(_("Blocked by staff")))
                blocked += 1
            except DomainError as exc:
                refused.append((slot, exc))
        if blocked:
            self.message_user(
                request,
                ngettext("%(count)d slot was blocked.", "%(count)d slots were blocked.", blocked)
                % {"count": blocked},
                messages.SUCCESS,
            )
        for slot, exc in refused:
            self.message_user(request, format_html("{}: {}", slot, exc.message), messages.WARNING)

    @admin.action(description=_("Open the selected slots again"), permissions=["change"])
    def unblock(self, request: HttpRequest, queryset):
        opened = 0
        for slot in queryset.filter(status=SlotStatus.BLOCKED):
            try:
                slot_unblock(slot=slot)
                opened += 1
            except DomainError as exc:
                self.message_user(
                    request, format_html("{}: {}", slot, exc.message), messages.WARNING
                )
        self.message_user(
            request,
            ngettext("%(count)d slot was opened.", "%(count)d slots were opened.", opened)
            % {"count": opened},
            messages.SUCCESS,
        )


class InvitationFilter(admin.SimpleListFilter):
    """Art 6(3): staff see at a glance every reservation whose invitation has not gone out."""

    title = _("invitation")
    parameter_name = "invitation"

    def lookups(self, request, model_admin):
        return [("unsent", _("Not sent yet"))]

    def queryset(self, request, queryset):
        if self.value() == "unsent":
            return queryset.filter(invitation_unsent_q())
        return queryset


class UpcomingFilter(admin.SimpleListFilter):
    title = _("when")
    parameter_name = "when"

    def lookups(self, request, model_admin):
        return [("upcoming", _("Upcoming")), ("today", _("Today")), ("past", _("Past"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "upcoming":
            return queryset.filter(starts_at__gt=now)
        if self.value() == "past":
            return queryset.filter(starts_at__lte=now)
        if self.value() == "today":
            start, end = tokyo_day_bounds(tokyo_date(now))
            return queryset.filter(starts_at__gte=start, starts_at__lt=end)
        return queryset


@admin.register(Reservation)
class ReservationAdmin(ChangePageViewAudit, OfficeScopedAdmin):
    list_display = [
        "reference_code",
        "starts_at",
        "jobseeker_name",
        "jobseeker_number",
        "counselor",
        "office",
        "status",
        "source",
        "session_link",
    ]
    list_select_related = ["office", "jobseeker", "slot__counselor"]
    list_filter = [
        UpcomingFilter,
        InvitationFilter,
        ("office", RELATED_ONLY),
        "status",
        "source",
        ("slot__counselor", RELATED_ONLY),
    ]
    search_fields = ["reference", "jobseeker__number"]
    date_hierarchy = "starts_at"
    raw_id_fields = ["jobseeker", "slot", "previous"]
    exclude = ["access_nonce", "access_token_hash"]
    # Only what carries no rule may be edited here; status changes go through services.
    editable_fields = ["interpreter_language", "assistant_attends", "note"]

    # The change page is for people: the summary, the checklist and the history on top
    # (`backoffice.reservation_page`), and below it only the fields staff may edit.
    change_form_template = "admin/bookings/reservation/change_form.html"

    def get_readonly_fields(self, request, obj=None):
        return [
            f.name
            for f in Reservation._meta.concrete_fields
            if f.name not in self.editable_fields and f.name not in self.exclude
        ]

    def get_fields(self, request, obj=None):
        return list(self.editable_fields)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "note":
            kwargs["widget"] = forms.Textarea(attrs={"rows": 4, "cols": 60})
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id) if object_id else None
        extra = dict(extra_context or {})
        if obj is not None:
            extra["summary"] = reservation_summary(request, obj)
        return super().change_view(request, object_id, form_url, extra)

    def get_search_results(self, request, queryset, search_term):
        # The reference or number as Django searches it, or the jobseeker's name as staff type
        # it (kanji variants, kana, width, spaces: jobseekers_search).
        results, duplicates = super().get_search_results(request, queryset, search_term)
        if search_term.strip():
            named = jobseekers_search(queryset=Jobseeker.objects.all(), term=search_term)
            results = results | queryset.filter(jobseeker__in=named.values("pk"))
        return results, duplicates

    def change_page_viewed(self, request, obj) -> None:
        audit_record_views(
            actor=request.user, jobseeker_ids=[obj.jobseeker_id], target=f"reservation:{obj.pk}"
        )

    def has_add_permission(self, request):
        # Bookings are made by the public journey or the follow-up page (rules in services).
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("Counselor"), ordering="slot__counselor__display_name")
    def counselor(self, obj: Reservation) -> str:
        return str(obj.slot.counselor)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/session/",
                wrap(reservation_session_view),
                name="bookings_reservation_session",
            ),
            path("<int:pk>/phone/", wrap(phone_view), name="bookings_reservation_phone"),
            path(
                "<int:pk>/follow-up/", wrap(follow_up_view), name="bookings_reservation_follow_up"
            ),
            path("phone/", wrap(phone_search_view), name="bookings_reservation_phone_search"),
            path("today/", wrap(counselor_day_view), name="bookings_reservation_today"),
            path("figures/", wrap(figures_view), name="bookings_reservation_figures"),
            path("dashboard/", wrap(dashboard_view), name="bookings_reservation_dashboard"),
            *super().get_urls(),
        ]

    @admin.display(description=_("reference"), ordering="reference")
    def reference_code(self, obj: Reservation) -> str:
        # One piece, never broken at its hyphen (static/css/admin-site.css).
        return format_html('<span class="reference">{}</span>', obj.reference)

    @admin.display(description=_("Jobseeker"), ordering="jobseeker__family_name_kana")
    def jobseeker_name(self, obj: Reservation) -> str:
        jobseeker = obj.jobseeker
        return format_html("{}<br><small>{}</small>", jobseeker.full_name, jobseeker.full_name_kana)

    @admin.display(description=_("jobseeker number"), ordering="jobseeker__number")
    def jobseeker_number(self, obj: Reservation) -> str:
        return format_html('<span class="reference">{}</span>', obj.jobseeker.number)

    @admin.display(description=_("Session"))
    def session_link(self, obj: Reservation) -> str:
        # A cancelled or missed consultation has no session to start or end.
        if obj.status in SESSIONLESS_STATUSES:
            return ""
        url = reverse("admin:bookings_reservation_session", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Start / end"))
