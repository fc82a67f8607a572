from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save
from django.utils.translation import gettext_lazy as _


class BookingsConfig(AppConfig):
    name = "bookings"
    verbose_name = _("Reservations and schedules")

    def ready(self) -> None:
        from django.contrib import admin

        from core import pg_dates

        from .admin_dates import sensible_dates_everywhere
        from .availability import office_data_changed
        from .contacts import office_contacts_changed
        from .roles import _after_migrate

        pg_dates.install()
        # Every app's admin module has registered by now (django.contrib.admin comes first).
        sensible_dates_everywhere(admin.site)

        post_migrate.connect(_after_migrate, sender=self, dispatch_uid="bookings.staff_groups")
        for model in ("Office", "Slot", "Reservation"):
            for signal in (post_save, post_delete):
                signal.connect(
                    office_data_changed,
                    sender=self.get_model(model),
                    dispatch_uid=f"bookings.availability.{model}.{signal is post_save}",
                )
        for signal in (post_save, post_delete):
            signal.connect(
                office_contacts_changed,
                sender=self.get_model("Office"),
                dispatch_uid=f"bookings.contacts.{signal is post_save}",
            )
