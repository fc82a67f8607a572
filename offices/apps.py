from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class OfficesConfig(AppConfig):
    name = "offices"
    verbose_name = _("Offices and staff")

    def ready(self) -> None:
        from core import pg_dates

        from .groups import _after_migrate

        pg_dates.install()
        post_migrate.connect(_after_migrate, sender=self, dispatch_uid="offices.staff_groups")
