"""Terms versions (Art 14) and the consents given to them (Art 2(3), 6)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.calendar import format_jp_date, tokyo_date

from .errors import PublishedTermsImmutable


class TermsVersion(models.Model):
    """One version of the terms of use; once published it is never edited."""

    bureau = models.ForeignKey(
        "offices.Bureau",
        on_delete=models.PROTECT,
        related_name="terms",
        verbose_name=_("labour bureau"),
    )
    label = models.CharField(_("label"), max_length=50)
    body = models.TextField(_("full text"))
    body_en = models.TextField(_("full text (English)"), blank=True)
    summary = models.TextField(_("summary of the change"), blank=True)
    summary_en = models.TextField(_("summary of the change (English)"), blank=True)
    effective_from = models.DateTimeField(_("effective from"))
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("published by"),
    )
    # Art 14 notice: set when every jobseeker with an active registration has a queued notice.
    # The only column a published version may still change (the database trigger allows it).
    notices_queued_at = models.DateTimeField(_("notices queued at"), null=True, blank=True)

    class Meta:
        verbose_name = _("terms version")
        verbose_name_plural = _("terms versions")
        ordering = ["-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["bureau", "label"], name="terms_label_unique"),
            models.UniqueConstraint(
                fields=["bureau", "effective_from"],
                condition=Q(published_at__isnull=False),
                name="terms_one_published_per_effective_time",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    def save(self, *args, **kwargs) -> None:
        # Art 14: a published version is the text people agreed to; it is never edited. Only
        # the notice bookkeeping may change (the same rule is a trigger in the database).
        if self.pk is not None:
            stored = TermsVersion.objects.filter(pk=self.pk).values(*IMMUTABLE_FIELDS).first()
            if stored is not None and stored["published_at"] is not None:
                changed = [f for f in IMMUTABLE_FIELDS if stored[f] != getattr(self, f)]
                if changed:
                    raise PublishedTermsImmutable(changed)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if TermsVersion.objects.filter(pk=self.pk, published_at__isnull=False).exists():
            raise PublishedTermsImmutable(["deleted"])
        return super().delete(*args, **kwargs)

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


# Columns of a published version that neither code nor SQL may change (see migration 0002).
IMMUTABLE_FIELDS = [
    "bureau_id",
    "label",
    "body",
    "body_en",
    "summary",
    "summary_en",
    "effective_from",
    "published_at",
]


class ConsentChannel(models.TextChoices):
    WEB = "web", _("Web booking journey")
    STAFF = "staff", _("Recorded by staff")
    IN_SESSION = "in_session", _("During a session")


class Consent(models.Model):
    """A jobseeker's agreement to a terms version and to the video app's terms (Art 2(3), 4)."""

    jobseeker = models.ForeignKey(
        "jobseekers.Jobseeker",
        on_delete=models.CASCADE,
        related_name="consents",
        verbose_name=_("jobseeker"),
    )
    terms_version = models.ForeignKey(
        TermsVersion,
        on_delete=models.PROTECT,
        related_name="consents",
        verbose_name=_("terms version"),
    )
    given_at = models.DateTimeField(_("given at"))
    channel = models.CharField(_("channel"), max_length=20, choices=ConsentChannel)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    video_app_terms_accepted = models.BooleanField(_("video app terms accepted"), default=False)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-given_at"]
        indexes = [models.Index(fields=["jobseeker", "terms_version"])]

    def __str__(self) -> str:
        return f"{self.terms_version} {format_jp_date(tokyo_date(self.given_at))}"
