from django.contrib import admin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["kind", "status", "queued_at", "sent_at", "attempts"]
    list_filter = ["kind", "status", "delivery_event"]
    search_fields = ["reservation__reference", "provider_message_id"]
    date_hierarchy = "queued_at"
    raw_id_fields = ["reservation", "jobseeker", "terms_version"]
