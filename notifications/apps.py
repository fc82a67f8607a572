from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from . import (
            events,  # noqa: F401 - receives the lower layers' domain events
            receivers,  # noqa: F401 - connects the tracking webhook's signal
        )
