from django.apps import AppConfig
from django.apps import apps as global_apps
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class BookingsConfig(AppConfig):
    name = "bookings"
    verbose_name = _("Reservations and schedules")

    def ready(self) -> None:
        from . import receivers  # noqa: F401 - receives the lower layers' domain events
        from .availability import office_data_changed
        from .contacts import office_contacts_changed

        office = global_apps.get_model("offices", "Office")
        for model in (office, self.get_model("Slot"), self.get_model("Reservation")):
            for signal in (post_save, post_delete):
                signal.connect(
                    office_data_changed,
                    sender=model,
                    dispatch_uid=f"bookings.availability.{model.__name__}.{signal is post_save}",
                )
        for signal in (post_save, post_delete):
            signal.connect(
                office_contacts_changed,
                sender=office,
                dispatch_uid=f"bookings.contacts.{signal is post_save}",
            )
