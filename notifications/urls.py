"""The providers' tracking webhooks (inbound mail is not accepted), under /anymail/."""

from anymail.webhooks.amazon_ses import AmazonSESTrackingWebhookView
from anymail.webhooks.brevo import BrevoTrackingWebhookView
from anymail.webhooks.mailgun import MailgunTrackingWebhookView
from anymail.webhooks.postmark import PostmarkTrackingWebhookView
from anymail.webhooks.sendgrid import SendGridTrackingWebhookView
from django.urls import path

app_name = "anymail"

urlpatterns = [
    path("amazon_ses/tracking/", AmazonSESTrackingWebhookView.as_view(), name="amazon_ses"),
    path("brevo/tracking/", BrevoTrackingWebhookView.as_view(), name="brevo"),
    path("mailgun/tracking/", MailgunTrackingWebhookView.as_view(), name="mailgun"),
    path("postmark/tracking/", PostmarkTrackingWebhookView.as_view(), name="postmark"),
    path("sendgrid/tracking/", SendGridTrackingWebhookView.as_view(), name="sendgrid"),
]
