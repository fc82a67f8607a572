from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BackofficeConfig(AppConfig):
    """The staff's interface: the admin of every domain app and the custom staff pages."""

    name = "backoffice"
    verbose_name = _("Back office")

    def ready(self) -> None:
        from django.contrib import admin

        from .dates import sensible_dates_everywhere
        from .labels import translated_boolean_icons

        # Every app's admin module has registered by now (django.contrib.admin comes first).
        sensible_dates_everywhere(admin.site)
        translated_boolean_icons()
