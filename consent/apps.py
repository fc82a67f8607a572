from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsentConfig(AppConfig):
    name = "consent"
    verbose_name = _("Terms and consent")

    def ready(self) -> None:
        from . import receivers  # noqa: F401 - receives the lower layers' domain events
