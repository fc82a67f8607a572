from django.contrib import admin
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .admin_session import figures_view, reservation_session_view
from .models import (
    Bureau,
    Counselor,
    Office,
    OfficeClosedDay,
    Reservation,
    Slot,
    StaffProfile,
    WeeklyAvailability,
)
from .selectors import offices_for_staff


@admin.register(Bureau)
class BureauAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]


class OfficeClosedDayInline(admin.TabularInline):
    model = OfficeClosedDay
    extra = 0


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "registration_code", "phone", "is_active"]
    list_filter = ["bureau", "is_active", "online_cancellation_allowed", "unverified_may_book"]
    search_fields = ["name", "code", "registration_code"]
    inlines = [OfficeClosedDayInline]


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "office", "bureau"]
    list_select_related = ["user", "office", "bureau"]
    list_filter = ["office"]
    search_fields = ["user__username"]


class WeeklyAvailabilityInline(admin.TabularInline):
    model = WeeklyAvailability
    extra = 0


@admin.register(Counselor)
class CounselorAdmin(admin.ModelAdmin):
    list_display = ["display_name", "office", "is_active"]
    list_select_related = ["office"]
    list_filter = ["office", "is_active"]
    search_fields = ["display_name", "user__username"]
    inlines = [WeeklyAvailabilityInline]


@admin.register(Slot)
class SlotAdmin(admin.ModelAdmin):
    list_display = ["starts_at", "counselor", "office", "status"]
    list_select_related = ["counselor", "office"]
    list_filter = ["office", "status", "counselor"]
    date_hierarchy = "starts_at"


@admin.register(Reservation)
class ReservationAdmin(admin.ModelAdmin):
    list_display = ["reference", "starts_at", "office", "status", "source", "session_link"]
    list_select_related = ["office", "jobseeker"]
    list_filter = ["office", "status", "source"]
    search_fields = ["reference", "jobseeker__number"]
    date_hierarchy = "starts_at"
    raw_id_fields = ["jobseeker", "slot", "previous"]
    exclude = ["access_nonce", "access_token_hash"]

    def get_queryset(self, request):
        # Art 9: staff see only their office's reservations.
        return super().get_queryset(request).filter(office__in=offices_for_staff(request.user))

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/session/",
                wrap(reservation_session_view),
                name="bookings_reservation_session",
            ),
            path("figures/", wrap(figures_view), name="bookings_reservation_figures"),
            *super().get_urls(),
        ]

    @admin.display(description=_("Session"))
    def session_link(self, obj: Reservation) -> str:
        url = reverse("admin:bookings_reservation_session", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Start / end"))
