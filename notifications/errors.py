"""Domain errors of notifications; subclasses of the one error base."""

from django.utils.translation import gettext_lazy as _

from core.errors import DomainError


class NotificationError(DomainError):
    """Base of the errors a notification service raises when a change is not allowed."""

    code = "notification_error"
    default_message = _("This notification cannot be sent.")
