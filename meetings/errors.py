"""What can go wrong when a meeting is made, changed or removed at a video service.

One small hierarchy, sorted by what the caller should do next:

| error | cause | retry? |
| --- | --- | --- |
| `CredentialError` | credentials missing or refused (401/403, `invalid_client`): the office's provider is failing | no: staff must fix the credentials |
| `ConfigurationError` | the office's setting or the counselor's account on the service is wrong (no room URL, a template without `{token}`, an unknown host) | no: staff must fix the setting |
| `Rejected` | the service refused the request for another reason (400, 409, 422) | no |
| `RateLimited` | 429; `retry_after` seconds when the service said | yes, not before `retry_after` |
| `Transient` | 5xx, a timeout, a connection that failed or broke | yes, with backoff |
| `NotFound` | 404 for a meeting: it is gone (for a delete that is success) | no |

`message` is for staff, in their language; `detail` is a technical line for the log (provider,
operation, HTTP status, the service's error code). Neither ever carries a secret, a token, or a
personal address: only the service's error *code* is kept from a response, never its message,
which may quote the host's email address.
"""

from django.utils.translation import gettext_lazy as _


class MeetingError(Exception):
    """Base of the errors a meeting provider raises."""

    code = "meeting_error"
    retryable = False
    default_message = _("The video service could not make the meeting.")

    def __init__(self, detail: str = "", *, message=None, status: int | None = None):
        self.detail = detail
        self.status = status
        self.message = message or self.default_message
        super().__init__(detail or str(self.message))


class CredentialError(MeetingError):
    """The service refused the office's credentials, or they are missing: nothing will work
    until staff fix them, so retrying is pointless."""

    code = "credentials"
    default_message = _(
        "The video service refused the office's credentials (expired, revoked or missing)."
    )


class ConfigurationError(MeetingError):
    """The office's meeting setting, or the counselor's account on the service, is wrong."""

    code = "configuration"
    default_message = _(
        "The office's meeting setting or the counselor's account on the video service is wrong."
    )


class Rejected(MeetingError):
    """The service understood the request and refused it (400, 409, 422)."""

    code = "rejected"
    default_message = _("The video service refused the meeting.")


class RateLimited(MeetingError):
    """429: the service asks us to slow down."""

    code = "rate_limited"
    retryable = True
    default_message = _("The video service is busy; the meeting will be tried again.")

    def __init__(self, detail: str = "", *, retry_after: float | None = None, **kwargs):
        self.retry_after = retry_after
        super().__init__(detail, **kwargs)


class Transient(MeetingError):
    """5xx, a timeout, or a connection that failed: worth trying again later."""

    code = "transient"
    retryable = True
    default_message = _("The video service did not answer; the meeting will be tried again.")


class NotFound(MeetingError):
    """404 for a meeting: it does not exist (any more)."""

    code = "not_found"
    default_message = _("The meeting no longer exists at the video service.")
