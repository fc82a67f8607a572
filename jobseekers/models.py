"""Jobseekers (求職者): who may book, and the trail of who looked at them."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from core.calendar import format_jp_datetime
from core.names import name_key

from .numbers import NORMAL_FORM_PATTERN


class RegistrationStatus(models.TextChoices):
    UNVERIFIED = "unverified", _("Unverified")
    VERIFIED_STAFF = "verified_staff", _("Verified by staff")
    VERIFIED_ROSTER = "verified_roster", _("Verified by roster import")


class Language(models.TextChoices):
    JA = "ja", "日本語"
    EN = "en", "English"


class EmailProblem(models.TextChoices):
    NONE = "", _("None")
    BOUNCED = "bounced", _("Bounced")
    COMPLAINED = "complained", _("Complaint")


NAME_FIELDS = {"family_name", "given_name", "family_name_kana", "given_name_kana"}
# Between the key of the name and that of its reading: no typed text's key holds it.
NAME_KEY_SEPARATOR = "|"


def jobseeker_name_key(family: str, given: str, family_kana: str, given_kana: str) -> str:
    """What `Jobseeker.name_key` holds: the key of the name and that of its reading."""
    return f"{name_key(family + given)}{NAME_KEY_SEPARATOR}{name_key(family_kana + given_kana)}"


class Jobseeker(models.Model):
    """A person registered with Hello Work (Art 2(1)); only what the terms name is kept."""

    number = models.CharField(_("jobseeker number"), max_length=14, unique=True)
    family_name = models.CharField(_("family name"), max_length=50)
    given_name = models.CharField(_("given name"), max_length=50)
    family_name_kana = models.CharField(_("family name (katakana)"), max_length=50)
    given_name_kana = models.CharField(_("given name (katakana)"), max_length=50)
    # The names as a search finds them (core.names.name_key of the name, then of its reading),
    # kept by save() and by `jobseeker_name_key`; searched with `contains` (jobseekers_search).
    # (db_default: a row inserted by SQL alone, as the benchmarks do, gets an empty key.)
    name_key = models.CharField(
        _("name search key"), max_length=210, blank=True, db_default="", editable=False
    )
    email = models.EmailField(_("email"), max_length=254)
    email_verified_at = models.DateTimeField(_("email verified at"), null=True, blank=True)
    # When the office last bound an address to this number: staff typed it, confirmed a
    # registration request, or a roster carried it. A visitor's identification never changes
    # the address; journeys signed in before this moment end (docs/security.md).
    email_bound_at = models.DateTimeField(
        _("email address set by the office at"), null=True, blank=True
    )
    email_problem = models.CharField(
        _("email delivery problem"), max_length=20, choices=EmailProblem, blank=True, default=""
    )
    email_problem_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("email problem at")
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    office = models.ForeignKey(
        "offices.Office",
        on_delete=models.PROTECT,
        related_name="jobseekers",
        verbose_name=_("office"),
    )
    registration_status = models.CharField(
        _("registration status"),
        max_length=20,
        choices=RegistrationStatus,
        default=RegistrationStatus.UNVERIFIED,
    )
    registration_valid_until = models.DateField(
        _("registration valid until"), null=True, blank=True
    )
    verified_at = models.DateTimeField(null=True, blank=True, verbose_name=_("verified at"))
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("verified by"),
    )
    suspended = models.BooleanField(_("suspended"), default=False)
    suspension_reason = models.TextField(_("suspension reason"), blank=True)
    suspended_at = models.DateTimeField(null=True, blank=True, verbose_name=_("suspended at"))
    suspended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("suspended by"),
    )
    needs_review = models.BooleanField(_("no-shows to review"), default=False)
    review_flagged_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("review flagged at")
    )
    preferred_language = models.CharField(
        _("preferred language"), max_length=5, choices=Language, default=Language.JA
    )
    last_activity_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("last activity at")
    )
    anonymised_at = models.DateTimeField(null=True, blank=True, verbose_name=_("anonymised at"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("jobseeker")
        verbose_name_plural = _("jobseekers")
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(number__regex=NORMAL_FORM_PATTERN),
                name="jobseeker_number_normal_form",
                violation_error_message=_("The jobseeker number is not in its normal form."),
            ),
            models.CheckConstraint(
                condition=Q(suspended=False) | ~Q(suspension_reason=""),
                name="jobseeker_suspension_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["office", "registration_status"])]

    def __str__(self) -> str:
        return f"{self.number}"

    def save(self, *args, **kwargs):
        self.name_key = jobseeker_name_key(
            self.family_name, self.given_name, self.family_name_kana, self.given_name_kana
        )
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and NAME_FIELDS & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "name_key"}
        super().save(*args, **kwargs)

    @property
    def full_name(self) -> str:
        return f"{self.family_name} {self.given_name}"

    @property
    def full_name_kana(self) -> str:
        return f"{self.family_name_kana} {self.given_name_kana}"

    @property
    def is_verified(self) -> bool:
        return self.registration_status != RegistrationStatus.UNVERIFIED


class RosterEntry(models.Model):
    """A registration as the office's roster states it (Art 2(1)), imported by staff.

    Kept also for numbers not yet seen on the portal: staff see it beside a registration
    request for the number (it vouches for a registration, not for who typed the number).
    """

    office = models.ForeignKey(
        "offices.Office",
        on_delete=models.CASCADE,
        related_name="roster_entries",
        verbose_name=_("office"),
    )
    number = models.CharField(_("jobseeker number"), max_length=14)
    full_name = models.CharField(_("name"), max_length=100)
    valid_until = models.DateField(_("registration valid until"))
    # The address the office has for the registration, when its roster carries one: the
    # office's word, so a first visit that proves it signs in at once (docs/security.md).
    email = models.EmailField(_("email"), max_length=254, blank=True)
    imported_at = models.DateTimeField(_("imported at"))
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("imported by"),
    )

    class Meta:
        verbose_name = _("roster entry")
        verbose_name_plural = _("roster entries")
        ordering = ["office", "number"]
        constraints = [
            models.UniqueConstraint(fields=["office", "number"], name="roster_number_once"),
            models.CheckConstraint(
                condition=Q(number__regex=NORMAL_FORM_PATTERN), name="roster_number_normal_form"
            ),
        ]

    def __str__(self) -> str:
        return self.number


class SignInPurpose(models.TextChoices):
    FIRST_VISIT = "first_visit", _("First identification")
    RETURNING = "returning", _("Returning jobseeker")


class SignInToken(models.Model):
    """A one-time link that proves an email address; only its hash is stored.

    The link is an HMAC of `nonce` with the secret key, so the worker that sends the email can
    derive it again while the database holds no link in clear (jobseekers.signin).
    """

    token_hash = models.CharField(max_length=64, unique=True, verbose_name=_("token hash"))
    nonce = models.CharField(max_length=32, blank=True, verbose_name=_("nonce"))
    purpose = models.CharField(max_length=20, choices=SignInPurpose, verbose_name=_("purpose"))
    jobseeker = models.ForeignKey(
        Jobseeker,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sign_in_tokens",
        verbose_name=_("jobseeker"),
    )
    # For a first visit: the identification typed (number, names, email, language) until the
    # link is used and it becomes a registration request.
    payload = models.JSONField(default=dict, blank=True, verbose_name=_("details typed"))
    created_at = models.DateTimeField(verbose_name=_("created at"))
    expires_at = models.DateTimeField(verbose_name=_("expires at"))
    used_at = models.DateTimeField(null=True, blank=True, verbose_name=_("used at"))

    class Meta:
        verbose_name = _("sign-in link")
        verbose_name_plural = _("sign-in links")
        indexes = [models.Index(fields=["expires_at"])]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} {format_jp_datetime(self.created_at)}"


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the office")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Declined")


class RequestDecision(models.TextChoices):
    """How staff confirmed a request, or why they declined it (choices: no free text)."""

    IN_PERSON = "in_person", _("Confirmed with the jobseeker at the office")
    PHONE = "phone", _("Confirmed with the jobseeker by phone")
    NOT_REGISTERED = "not_registered", _("No registration with this number")
    NOT_CONFIRMED = "not_confirmed", _("The jobseeker did not confirm the request")
    DETAILS_DIFFER = "details_differ", _("The details do not match the registration")
    SUPERSEDED = "superseded", _("Another request for this number was confirmed")


CONFIRM_METHODS = [RequestDecision.IN_PERSON, RequestDecision.PHONE]
REJECT_REASONS = [
    RequestDecision.NOT_REGISTERED,
    RequestDecision.NOT_CONFIRMED,
    RequestDecision.DETAILS_DIFFER,
]


class RegistrationRequest(models.Model):
    """A visitor's request to book online with a 求職番号 (Art 2(1)), waiting for the office.

    Recorded when the visitor opens the link sent to the address they typed, so the address is
    theirs; who they are is what the office checks (at the counter or by phone) before it binds
    the address to the number. Requests for one number coexist: nobody can squat a number by
    asking first. Only what the terms name is kept (number, names, email), for a limited time.
    """

    office = models.ForeignKey(
        "offices.Office",
        on_delete=models.CASCADE,
        related_name="registration_requests",
        verbose_name=_("office"),
    )
    number = models.CharField(_("jobseeker number"), max_length=14)
    family_name = models.CharField(_("family name"), max_length=50)
    given_name = models.CharField(_("given name"), max_length=50)
    family_name_kana = models.CharField(_("family name (katakana)"), max_length=50)
    given_name_kana = models.CharField(_("given name (katakana)"), max_length=50)
    email = models.EmailField(_("email"), max_length=254)
    language = models.CharField(
        _("preferred language"), max_length=5, choices=Language, default=Language.JA
    )
    status = models.CharField(
        _("status"), max_length=20, choices=RequestStatus, default=RequestStatus.PENDING
    )
    created_at = models.DateTimeField(_("first received"))
    # The last time the visitor asked again (and proved the address again).
    received_at = models.DateTimeField(_("received"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decision = models.CharField(
        _("decision"), max_length=20, choices=RequestDecision, blank=True, default=""
    )
    jobseeker = models.ForeignKey(
        Jobseeker,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="registration_requests",
        verbose_name=_("jobseeker"),
    )

    class Meta:
        verbose_name = _("online registration request")
        verbose_name_plural = _("online registration requests")
        ordering = ["-received_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(number__regex=NORMAL_FORM_PATTERN),
                name="registration_request_number_normal_form",
            ),
            # Asking again with the same number and address refreshes the request.
            models.UniqueConstraint(
                "number",
                Lower("email"),
                condition=Q(status="pending"),
                name="registration_request_pending_once",
            ),
            models.CheckConstraint(
                condition=(
                    Q(status="pending", decided_at__isnull=True, decision="")
                    | (~Q(status="pending") & Q(decided_at__isnull=False) & ~Q(decision=""))
                ),
                name="registration_request_decided_consistently",
            ),
            models.CheckConstraint(
                condition=~Q(status="confirmed") | Q(jobseeker__isnull=False),
                name="registration_request_confirmed_has_jobseeker",
            ),
        ]
        indexes = [
            models.Index(fields=["office", "status"]),
            models.Index(fields=["number"]),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def full_name(self) -> str:
        return f"{self.family_name} {self.given_name}"

    @property
    def full_name_kana(self) -> str:
        return f"{self.family_name_kana} {self.given_name_kana}"


class AuditAction(models.TextChoices):
    VIEW = "view", _("Viewed")
    CREATE = "create", _("Created")
    CHANGE = "change", _("Changed")
    VERIFY = "verify", _("Registration verified")
    SUSPEND = "suspend", _("Suspended")
    UNSUSPEND = "unsuspend", _("Suspension lifted")
    CLEAR_REVIEW = "clear_review", _("Review flag cleared")
    RESERVATION_CREATE = "reservation_create", _("Reservation made")
    RESERVATION_CANCEL = "reservation_cancel", _("Reservation cancelled")
    RESERVATION_MOVE = "reservation_move", _("Reservation time changed")
    LATE_NOTICE = "late_notice", _("Late notice recorded")
    NO_SHOW = "no_show", _("No-show")
    SESSION_START = "session_start", _("Session started")
    SESSION_END = "session_end", _("Session ended")
    EXPORT = "export", _("Exported")
    REQUEST_CONFIRM = "request_confirm", _("Online registration request confirmed")
    REQUEST_REJECT = "request_reject", _("Online registration request declined")
    ANONYMISE = "anonymise", _("Anonymised")


class AuditEntry(models.Model):
    """Who viewed or changed a jobseeker's record, and when (Art 9). No personal data in detail."""

    at = models.DateTimeField(db_index=True, verbose_name=_("time"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_entries",
        verbose_name=_("performed by"),
    )
    action = models.CharField(max_length=30, choices=AuditAction, verbose_name=_("action"))
    jobseeker = models.ForeignKey(
        Jobseeker,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_entries",
        verbose_name=_("jobseeker"),
    )
    target = models.CharField(
        max_length=100, blank=True, help_text="e.g. reservation:42", verbose_name=_("record")
    )
    detail = models.CharField(max_length=500, blank=True, verbose_name=_("detail"))

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{format_jp_datetime(self.at)} {self.get_action_display()}"


class DeviceFamily(models.TextChoices):
    """The coarse kind of device a usage record counts (jobseekers.usage.classify_user_agent)."""

    DESKTOP = "desktop", _("Computer")
    MOBILE = "mobile", _("Smartphone")
    TABLET = "tablet", _("Tablet")
    BOT = "bot", _("Automated client")
    UNKNOWN = "unknown", _("Unknown")


# The OS or browser family of a user agent none of the known ones matches.
OTHER_FAMILY = "Other"


def family_label(value: str) -> str:
    """A device, OS or browser family as staff read it: the device kinds and "Other" are
    translated, the names of systems and browsers (Windows, Safari) are shown as they are."""
    if value in DeviceFamily.values:
        return str(DeviceFamily(value).label)
    if not value or value == OTHER_FAMILY:
        return str(_("Other"))
    return value


class UsageRecord(models.Model):
    """One request to a public page (Art 7(1)): when, what, from which device.

    The path keeps no token or query secret; read only by the bureau administrator, never
    published in a form that identifies a device (Art 7(2)), deleted after the retention period.
    """

    at = models.DateTimeField(_("time"), db_index=True)
    method = models.CharField(_("method"), max_length=10)
    path = models.CharField(_("path"), max_length=500)
    status = models.PositiveSmallIntegerField(_("status"))
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=400, blank=True)
    device_family = models.CharField(_("device"), max_length=20, blank=True, choices=DeviceFamily)
    os_family = models.CharField(_("operating system"), max_length=20, blank=True)
    browser_family = models.CharField(_("browser"), max_length=20, blank=True)
    jobseeker = models.ForeignKey(
        Jobseeker,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="usage_records",
        verbose_name=_("jobseeker"),
    )

    class Meta:
        verbose_name = _("usage record")
        verbose_name_plural = _("usage records")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{format_jp_datetime(self.at)} {self.method} {self.path}"


class UsageExport(models.Model):
    """An export of usage records and why it was made (Art 7(2): only on a lawful request)."""

    at = models.DateTimeField(_("time"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("exported by"),
    )
    reason = models.TextField(_("reason"))
    since = models.DateField(_("from"))
    until = models.DateField(_("to"))
    jobseeker = models.ForeignKey(
        Jobseeker,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("jobseeker"),
    )
    row_count = models.PositiveIntegerField(_("rows"))

    class Meta:
        verbose_name = _("usage record export")
        verbose_name_plural = _("usage record exports")
        ordering = ["-at"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="usage_export_has_reason"),
        ]

    def __str__(self) -> str:
        return format_jp_datetime(self.at)
