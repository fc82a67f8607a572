"""The one error base: a rule refused a change; the error says which (`code`) and why (`message`)."""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A rule refused the change; `message` is shown to the person, in their language.

    Every domain error is a subclass: a service raises it, a page or an admin action catches
    `DomainError` and shows `message`. `code` is stable and never shown (pages and logs branch
    on it); `default_message` is a lazy translation, so it is rendered in the language of the
    request that shows it, not of the one that raised it.
    """

    code = "domain_error"
    default_message = _("This change is not allowed.")

    def __init__(self, message=None):
        self.message = message or self.default_message
        super().__init__(str(self.message))


# Errors of the kernel itself (core/dates.py): a typed date or call time out of range.
class DateOutOfRange(DomainError):
    code = "date_out_of_range"
    default_message = _("This date is too far from today; check the year.")


class CallTimeInvalid(DomainError):
    code = "call_time_invalid"
    default_message = _("Check the time of the call.")
