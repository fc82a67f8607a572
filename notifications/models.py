"""The outbox: every email that must go out is a row first (Art 6(3))."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bookings.models import Reservation
from jobseekers.models import Language


class NotificationKind(models.TextChoices):
    INVITATION = "invitation", _("Invitation (招待メール)")
    CANCELLATION = "cancellation", _("Cancellation")
    REMINDER = "reminder", _("Reminder")
    NO_SHOW = "no_show", _("No-show notice")
    TERMS_CHANGE = "terms_change", _("Terms change notice")
    SIGN_IN = "sign_in", _("Sign-in link")
    SIGN_IN_UNKNOWN = "sign_in_unknown", _("Sign-in request without a match")
    REGISTRATION_LINK = "registration_link", _("Link to send a registration request")
    REGISTERED = "registered", _("Registration confirmed")
    WAITLIST_ADDED = "waitlist_added", _("Asked to be told of a free time")
    WAITLIST_OFFER = "waitlist_offer", _("A time has become free")


# Kinds whose email carries a one-time link (jobseekers.SignInToken), derived when it is sent.
LINK_KINDS = [NotificationKind.SIGN_IN, NotificationKind.REGISTRATION_LINK]
WAITLIST_KINDS = [NotificationKind.WAITLIST_ADDED, NotificationKind.WAITLIST_OFFER]


class NotificationStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    # Not sent because it no longer applies (a reminder for a reservation cancelled meanwhile).
    SKIPPED = "skipped", _("Skipped")
    # An invitation whose meeting the video service has not made (or moved) yet: it is queued
    # as soon as the join URL exists; `last_error` says what it waits for.
    WAITING = "waiting", _("Waiting for the meeting")


UNSENT_STATUSES = [NotificationStatus.QUEUED, NotificationStatus.SENDING]


class DeliveryEvent(models.TextChoices):
    NONE = "", _("None")
    DELIVERED = "delivered", _("Delivered")
    DEFERRED = "deferred", _("Deferred")
    REJECTED = "rejected", _("Rejected by the provider")
    BOUNCED = "bounced", _("Bounced")
    COMPLAINED = "complained", _("Complaint")


class TrackingEventType(models.TextChoices):
    """The event types the email provider reports (django-anymail's), as staff read them."""

    QUEUED = "queued", _("Queued by the provider")
    SENT = "sent", _("Sent by the provider")
    REJECTED = "rejected", _("Rejected by the provider")
    FAILED = "failed", _("Failed")
    BOUNCED = "bounced", _("Bounced")
    DEFERRED = "deferred", _("Deferred")
    DELIVERED = "delivered", _("Delivered")
    AUTORESPONDED = "autoresponded", _("Automatic reply")
    OPENED = "opened", _("Opened")
    CLICKED = "clicked", _("Link clicked")
    COMPLAINED = "complained", _("Complaint")
    UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
    SUBSCRIBED = "subscribed", _("Subscribed")
    INBOUND = "inbound", _("Inbound email")
    INBOUND_FAILED = "inbound_failed", _("Inbound email failed")
    UNKNOWN = "unknown", _("Unknown event")


class Notification(models.Model):
    kind = models.CharField(_("kind"), max_length=20, choices=NotificationKind)
    reservation = models.ForeignKey(
        "bookings.Reservation",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("reservation"),
    )
    jobseeker = models.ForeignKey(
        "jobseekers.Jobseeker",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("jobseeker"),
    )
    terms_version = models.ForeignKey(
        "consent.TermsVersion",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("terms version"),
    )
    # The one-time link a sign-in email carries; the row holds no link, only this reference
    # (the link is derived from the token's nonce and the secret key when the email is sent).
    sign_in_token = models.ForeignKey(
        "jobseekers.SignInToken",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("sign-in link"),
    )
    # The 「空きが出たら知らせる」 request a waitlist email is about.
    waitlist_request = models.ForeignKey(
        "bookings.WaitlistRequest",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("request to be told of a free time"),
    )
    # The reservation's sequence at the time: one invitation per reservation version.
    sequence = models.PositiveIntegerField(default=0, verbose_name=_("invitation revision"))
    recipient = models.EmailField(_("recipient"), max_length=254)
    language = models.CharField(
        max_length=5, choices=Language, default="ja", verbose_name=_("language")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=NotificationStatus, default=NotificationStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # How many times staff sent it again: each time the provider's idempotency key changes.
    # A database default too: the sweeps' hand-written INSERTs do not name it.
    resends = models.PositiveSmallIntegerField(
        _("times sent again by staff"), default=0, db_default=0
    )
    provider_message_id = models.CharField(_("provider message id"), max_length=200, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    delivery_event = models.CharField(
        max_length=20,
        choices=DeliveryEvent,
        blank=True,
        default="",
        verbose_name=_("delivery event"),
    )
    delivery_event_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("delivery event at")
    )
    idempotency_key = models.CharField(
        max_length=100, unique=True, verbose_name=_("duplicate check key")
    )
    queued_at = models.DateTimeField(_("queued at"))
    # After a temporary failure: not before this (the sweep honours it; the task's retry
    # countdown is the fast path).
    next_attempt_at = models.DateTimeField(null=True, blank=True, verbose_name=_("next attempt at"))
    sending_started_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("sending started at")
    )
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("failed at"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-queued_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["reservation", "sequence"],
                condition=Q(kind=NotificationKind.INVITATION),
                name="notification_one_invitation_per_version",
            ),
            models.CheckConstraint(
                condition=~Q(status=NotificationStatus.SENT) | Q(sent_at__isnull=False),
                name="notification_sent_has_time",
            ),
        ]
        indexes = [
            # The sweep reads only what has not gone out (healthchecks' api_flip_not_processed).
            models.Index(
                fields=["queued_at"],
                condition=Q(status__in=UNSENT_STATUSES),
                name="notif_unsent_idx",
            ),
            models.Index(fields=["reservation", "kind"], name="notif_res_kind_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class TrackingEvent(models.Model):
    """One delivery event the provider reported through the tracking webhook, kept once.

    Providers retry webhooks; the unique key makes a second copy of an event a no-op.
    """

    esp_name = models.CharField(max_length=40, verbose_name=_("email service"))
    event_key = models.CharField(max_length=200, verbose_name=_("event key"))
    event_type = models.CharField(
        max_length=30, choices=TrackingEventType, verbose_name=_("event type")
    )
    message_id = models.CharField(max_length=200, blank=True, verbose_name=_("message ID"))
    notification = models.ForeignKey(
        Notification,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tracking_events",
        verbose_name=_("notification"),
    )
    description = models.CharField(max_length=300, blank=True, verbose_name=_("description"))
    occurred_at = models.DateTimeField(null=True, blank=True, verbose_name=_("occurred at"))
    received_at = models.DateTimeField(verbose_name=_("received at"))

    class Meta:
        verbose_name = _("delivery event")
        verbose_name_plural = _("delivery events")
        constraints = [
            models.UniqueConstraint(fields=["esp_name", "event_key"], name="tracking_event_once")
        ]
        indexes = [models.Index(fields=["message_id"], name="tracking_message_idx")]

    def __str__(self) -> str:
        return f"{self.esp_name} {self.get_event_type_display()}"


class PendingInvitation(Reservation):
    """Admin view of confirmed reservations whose invitation has not gone out (Art 6(3))."""

    class Meta:
        proxy = True
        verbose_name = _("invitation not sent")
        verbose_name_plural = _("invitations not sent")
