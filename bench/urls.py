"""The portal's URLs plus the baseline view; only `config.settings.bench` uses this module."""

from django.urls import path

from config.urls import handler500  # noqa: F401 - the same error pages
from config.urls import urlpatterns as portal_urlpatterns

from . import views

urlpatterns = [
    path("bench/trivial/", views.trivial, name="bench-trivial"),
    *portal_urlpatterns,
]
