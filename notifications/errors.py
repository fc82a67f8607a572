"""Domain errors of notifications."""


class NotificationError(Exception):
    """Base of the errors a notification service raises when a change is not allowed."""


class NotResendable(NotificationError):
    """This notification cannot be sent again (already queued or being sent)."""
