from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SecurityConfig(AppConfig):
    name = "security"
    verbose_name = _("Security")

    def ready(self) -> None:
        from django.contrib import admin
        from django.contrib.admin.options import ModelAdmin

        from . import signals  # noqa: F401  (connects the login receivers)
        from .admin_site import StaffAdminSite, object_not_found

        # Every admin URL, including the pages other apps register on `admin.site`, asks for a
        # verified second factor (ASVS 2.2, 4.1): the default site becomes an OTP site in place,
        # so nothing that registers on it has to know.
        admin.site.__class__ = StaffAdminSite
        ModelAdmin._get_obj_does_not_exist_redirect = object_not_found
