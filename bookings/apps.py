from django.apps import AppConfig
from django.db.models.signals import post_migrate


class BookingsConfig(AppConfig):
    name = "bookings"

    def ready(self) -> None:
        from .roles import _after_migrate

        post_migrate.connect(_after_migrate, sender=self, dispatch_uid="bookings.staff_groups")
