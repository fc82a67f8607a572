from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("security.urls")),
    path("admin/", admin.site.urls),
    path("", include("consent.urls")),
    path("", include("bookings.urls")),
]

# The email provider's tracking webhook, only when its shared secret is configured.
if settings.ANYMAIL.get("WEBHOOK_SECRET"):
    urlpatterns.append(path("anymail/", include("notifications.urls")))
