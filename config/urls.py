from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from notifications.urls import TRACKING_VIEWS

# Any exception nothing else answered: the 503 page when the database is away, else the 500
# page; both in the jobseeker's language and rendered without the database or the cache.
handler500 = "config.errors.server_error"

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("security.urls")),
    path("admin/", admin.site.urls),
    path("", include("consent.urls")),
    path("", include("bookings.urls")),
]

# The configured email provider's tracking webhook, only when its shared secret is set
# (notifications/urls.py mounts that provider's view and no other).
if settings.ANYMAIL.get("WEBHOOK_SECRET") and settings.EMAIL_PROVIDER in TRACKING_VIEWS:
    urlpatterns.append(path("anymail/", include("notifications.urls")))
