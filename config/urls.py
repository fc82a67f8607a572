from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from backoffice.day import staff_home_view
from notifications.urls import TRACKING_VIEWS

# Any exception nothing else answered: the 503 page when the database is away, else the 500
# page; both in the jobseeker's language and rendered without the database or the cache.
handler500 = "config.errors.server_error"

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("security.urls")),
    # The offices' models moved from `bookings` to `offices` (issue 17): a staff member's
    # bookmark of their old admin pages leads to the new ones.
    re_path(
        r"^admin/bookings/(?P<model>bureau|office|officeclosedday|staffprofile)/(?P<rest>.*)$",
        RedirectView.as_view(url="/admin/offices/%(model)s/%(rest)s", query_string=True),
    ),
    # The admin's home: a counselor lands on their day (backoffice/day.py), others on the index.
    path("admin/", admin.site.admin_view(staff_home_view)),
    path("admin/", admin.site.urls),
    path("", include("portal.terms_urls")),
    path("", include("portal.urls")),
]

# The configured email provider's tracking webhook, only when its shared secret is set
# (notifications/urls.py mounts that provider's view and no other).
if settings.ANYMAIL.get("WEBHOOK_SECRET") and settings.EMAIL_PROVIDER in TRACKING_VIEWS:
    urlpatterns.append(path("anymail/", include("notifications.urls")))
