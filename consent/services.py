"""Recording consent (Art 2(3), 6) and publishing terms versions with their notice (Art 14)."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.dates import date_is_sensible, date_range_message
from jobseekers.models import AuditAction, Jobseeker
from jobseekers.services import audit_record
from offices.models import Bureau
from offices.roles import recorded_user

from .errors import (
    TermsAlreadyPublished,
    TermsEffectiveDateInvalid,
    TermsIncomplete,
    TermsNotPublished,
)
from .events import terms_version_published
from .models import Consent, ConsentChannel, TermsVersion
from .selectors import terms_in_force, terms_published


def _effective_date_check(effective_from: dt.datetime, now: dt.datetime | None = None) -> None:
    """A typed effective date within the typed-date range (core.dates)."""
    if not date_is_sensible(effective_from, now=now):
        raise TermsEffectiveDateInvalid(date_range_message(now=now))


def consent_record(
    *,
    jobseeker,
    terms_version: TermsVersion,
    channel: str = ConsentChannel.WEB,
    ip_address: str | None = None,
    video_app_terms_accepted: bool = True,
    now: dt.datetime | None = None,
) -> Consent:
    """Store that `jobseeker` agreed to `terms_version`; only a published version can be agreed to."""
    if not terms_version.is_published:
        raise TermsNotPublished(_("Only a published terms version can be agreed to."))
    return Consent.objects.create(
        jobseeker=jobseeker,
        terms_version=terms_version,
        given_at=now or timezone.now(),
        channel=channel,
        ip_address=ip_address or None,
        video_app_terms_accepted=video_app_terms_accepted,
    )


TERMS_FIELDS = ["label", "body", "body_en", "summary", "summary_en", "effective_from"]


def terms_draft_create(
    *,
    bureau: Bureau,
    label: str,
    body: str,
    effective_from: dt.datetime,
    summary: str = "",
    body_en: str = "",
    summary_en: str = "",
    actor=None,
) -> TermsVersion:
    """A new draft; nothing is shown to jobseekers until it is published."""
    _effective_date_check(effective_from)
    return TermsVersion.objects.create(
        bureau=bureau,
        label=label.strip(),
        body=body,
        body_en=body_en,
        summary=summary.strip(),
        summary_en=summary_en.strip(),
        effective_from=effective_from,
        created_by=recorded_user(actor),
    )


def terms_draft_update(*, version: TermsVersion | int, **fields) -> TermsVersion:
    """Change a draft; a published version refuses (and the database would too)."""
    unknown = set(fields) - set(TERMS_FIELDS)
    if unknown:
        raise TypeError(f"Not a terms field: {', '.join(sorted(unknown))}")
    if "effective_from" in fields:
        _effective_date_check(fields["effective_from"])
    pk = version if isinstance(version, int) else version.pk
    with transaction.atomic():
        version = TermsVersion.objects.select_for_update().get(pk=pk)
        if version.is_published:
            raise TermsAlreadyPublished()
        for name, value in fields.items():
            setattr(version, name, value)
        version.save()
    return version


def terms_publish(
    *, version: TermsVersion | int, actor=None, now: dt.datetime | None = None
) -> TermsVersion:
    """Publish a draft (Art 14): it becomes immutable and every registered jobseeker is told.

    The effective date must lie ahead when another version is in force (people are told
    before the change takes effect) and after every published version's. The notices are
    written in batches by a Celery task queued after commit.
    """
    now = now or timezone.now()
    pk = version if isinstance(version, int) else version.pk
    with transaction.atomic():
        version = TermsVersion.objects.select_for_update().get(pk=pk)
        if version.is_published:
            raise TermsAlreadyPublished()
        current = terms_in_force(bureau_id=version.bureau_id, now=now)
        if not version.body.strip() or (current is not None and not version.summary.strip()):
            raise TermsIncomplete()
        _effective_date_check(version.effective_from, now)
        if current is not None and version.effective_from <= now:
            raise TermsEffectiveDateInvalid()
        if (
            terms_published(bureau_id=version.bureau_id)
            .filter(effective_from__gte=version.effective_from)
            .exists()
        ):
            raise TermsEffectiveDateInvalid()
        version.published_at = now
        version.published_by = recorded_user(actor)
        if current is None and not terms_published(bureau_id=version.bureau_id).exists():
            # A bureau's first version changes nothing anyone agreed to: there is no notice.
            version.notices_queued_at = now
            version.save(update_fields=["published_at", "published_by", "notices_queued_at"])
        else:
            version.save(update_fields=["published_at", "published_by"])
            # The Art 14 notices start after the commit (notifications/events.py).
            terms_version_published.send(sender=TermsVersion, version=version)
    return version


def consent_history_viewed(*, jobseeker: Jobseeker, actor, now: dt.datetime | None = None) -> None:
    """Art 9: looking at a jobseeker's consents is looking at their record."""
    audit_record(
        action=AuditAction.VIEW,
        actor=actor,
        jobseeker=jobseeker,
        target=f"jobseeker:{jobseeker.pk}",
        detail="consent history",
        now=now,
    )
