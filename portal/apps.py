from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The jobseekers' interface: the public pages, from sign-in to the reservation page."""

    name = "portal"
    verbose_name = _("Jobseekers' pages")
