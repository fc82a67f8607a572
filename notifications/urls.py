"""The configured provider's tracking webhook (inbound mail is not accepted), under /anymail/.

Only the provider that sends the portal's email (settings.EMAIL_PROVIDER) is mounted: another
provider's view would answer every request with an error, its credentials being unset. A
payload that cannot be read — not JSON, not the provider's shape — is a 400, as a wrong secret
is; only a failure on our side (the database) is a 500, which providers retry.
"""

from anymail.exceptions import AnymailAPIError, AnymailWebhookValidationFailure
from anymail.webhooks.amazon_ses import AmazonSESTrackingWebhookView
from anymail.webhooks.brevo import BrevoTrackingWebhookView
from anymail.webhooks.mailgun import MailgunTrackingWebhookView
from anymail.webhooks.postmark import PostmarkTrackingWebhookView
from anymail.webhooks.sendgrid import SendGridTrackingWebhookView
from django.conf import settings
from django.urls import URLPattern, path

app_name = "anymail"

TRACKING_VIEWS = {
    "amazon_ses": AmazonSESTrackingWebhookView,
    "brevo": BrevoTrackingWebhookView,
    "mailgun": MailgunTrackingWebhookView,
    "postmark": PostmarkTrackingWebhookView,
    "sendgrid": SendGridTrackingWebhookView,
}
# What the providers' parsers raise on a body that is not what they expect.
MALFORMED = (ValueError, KeyError, TypeError, AttributeError, IndexError)


def _malformed(view, exc: Exception) -> AnymailWebhookValidationFailure:
    # The message names the provider only: the body may hold addresses.
    failure = AnymailWebhookValidationFailure(f"Malformed payload in the {view.esp_name} webhook")
    failure.__cause__ = exc
    return failure


def payload_checked(view_class: type) -> type:
    """`view_class`, answering 400 to a payload its parser cannot read."""

    class View(view_class):
        def run_validators(self, request):
            try:
                super().run_validators(request)
            except AnymailWebhookValidationFailure:
                raise
            # Amazon SES reports an unreadable SNS envelope as an API error.
            except (*MALFORMED, AnymailAPIError) as exc:
                raise _malformed(self, exc) from exc

        def parse_events(self, request):
            try:
                return super().parse_events(request)
            except MALFORMED as exc:
                raise _malformed(self, exc) from exc

    View.__name__ = View.__qualname__ = view_class.__name__
    return View


def tracking_urlpatterns(provider: str) -> list[URLPattern]:
    """The webhook of `provider`, or nothing (SMTP, the local outbox, no provider)."""
    view_class = TRACKING_VIEWS.get(provider)
    if view_class is None:
        return []
    return [path(f"{provider}/tracking/", payload_checked(view_class).as_view(), name=provider)]


urlpatterns = tracking_urlpatterns(settings.EMAIL_PROVIDER)
