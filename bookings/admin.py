from django.contrib import admin

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
    list_display = ["reference", "starts_at", "office", "status", "source"]
    list_select_related = ["office", "jobseeker"]
    list_filter = ["office", "status", "source"]
    search_fields = ["reference", "jobseeker__number"]
    date_hierarchy = "starts_at"
    raw_id_fields = ["jobseeker", "slot", "previous"]
    exclude = ["access_nonce", "access_token_hash"]
