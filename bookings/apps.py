from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class BookingsConfig(AppConfig):
    name = "bookings"
    verbose_name = _("Reservations and schedules")

    def ready(self) -> None:
        from .roles import _after_migrate

        post_migrate.connect(_after_migrate, sender=self, dispatch_uid="bookings.staff_groups")
