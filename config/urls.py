from django.conf import settings
from django.contrib import admin
from django.urls import include, path

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

# The email provider's tracking webhook, only when its shared secret is configured.
if settings.ANYMAIL.get("WEBHOOK_SECRET"):
    urlpatterns.append(path("anymail/", include("notifications.urls")))
