"""Domain errors of the terms and consents (Art 2(3), 14); subclasses of the one error base."""

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError


class ConsentError(DomainError):
    """A rule of the terms refused the change; `message` can be shown to a person."""

    code = "consent_error"
    default_message = _("This change is not allowed.")


class TermsNotPublished(ConsentError):
    """No published version applies: none is in force (booking is not open), or the version
    offered for agreement is a draft."""

    code = "terms_not_published"
    default_message = _(
        "Online booking is not open yet: no terms of use are in force. Please contact your "
        "Hello Work office."
    )


class TermsAlreadyPublished(ConsentError):
    code = "terms_already_published"
    default_message = _("This version is already published and can no longer be changed.")


class TermsEffectiveDateInvalid(ConsentError):
    code = "terms_effective_date_invalid"
    default_message = _(
        "The effective date must be in the future and later than every published version's."
    )


class TermsIncomplete(ConsentError):
    code = "terms_incomplete"
    default_message = _("A version needs its full text and a summary of the change.")


class PublishedTermsImmutable(ConsentError):
    """Someone tried to edit or delete a published terms version (Art 14)."""

    code = "published_terms_immutable"
    default_message = _("A published terms version cannot be changed.")

    def __init__(self, fields: list[str]):
        self.fields = fields
        super().__init__(
            format_lazy(
                _("A published terms version cannot be changed ({fields})."),
                fields=", ".join(fields),
            )
        )
