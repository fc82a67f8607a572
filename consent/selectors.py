"""Which terms are in force, and whether a jobseeker has agreed to them (Art 2(3), 6, 14)."""

import datetime as dt

from django.db.models import Exists, OuterRef, QuerySet

from core.calendar import tokyo_date
from jobseekers.models import EmailProblem, Jobseeker

from .models import Consent, TermsVersion


def terms_published(*, bureau_id: int) -> QuerySet[TermsVersion]:
    return TermsVersion.objects.filter(bureau_id=bureau_id, published_at__isnull=False)


def terms_in_force(*, bureau_id: int, now: dt.datetime) -> TermsVersion | None:
    """The published version with the latest effective date that has arrived (Art 14).

    A version published today with an effective date next month is not yet in force: until
    that moment the previous version still applies, and consent to it is still enough.
    """
    return (
        terms_published(bureau_id=bureau_id)
        .filter(effective_from__lte=now)
        .order_by("-effective_from")
        .first()
    )


def terms_upcoming(*, bureau_id: int, now: dt.datetime) -> QuerySet[TermsVersion]:
    """Published versions whose effective date is still ahead (announced under Art 14)."""
    return (
        terms_published(bureau_id=bureau_id)
        .filter(effective_from__gt=now)
        .order_by("effective_from")
    )


def terms_earlier(*, bureau_id: int, now: dt.datetime) -> QuerySet[TermsVersion]:
    """Published versions replaced by the one in force, newest first."""
    current = terms_in_force(bureau_id=bureau_id, now=now)
    if current is None:
        return TermsVersion.objects.none()
    return (
        terms_published(bureau_id=bureau_id)
        .filter(effective_from__lt=current.effective_from)
        .order_by("-effective_from")
    )


def consent_latest(*, jobseeker_id: int) -> Consent | None:
    return (
        Consent.objects.filter(jobseeker_id=jobseeker_id)
        .select_related("terms_version")
        .order_by("-given_at")
        .first()
    )


def terms_in_force_and_consent(
    *, jobseeker_id: int, bureau_id: int, now: dt.datetime
) -> tuple[TermsVersion | None, bool]:
    """The version in force and whether the jobseeker agreed to it (and to the video app's
    terms), in one query.

    From a new version's effective date (not before) a jobseeker who agreed only to earlier
    versions has not agreed to the one in force and is asked again (Art 14). With no version in
    force at all (None), booking is impossible.
    """
    agreed = Consent.objects.filter(
        jobseeker_id=jobseeker_id, terms_version=OuterRef("pk"), video_app_terms_accepted=True
    )
    version = (
        terms_published(bureau_id=bureau_id)
        .filter(effective_from__lte=now)
        .annotate(agreed=Exists(agreed))
        .order_by("-effective_from")
        .first()
    )
    if version is None:
        return None, False
    return version, version.agreed


def terms_notice_recipients(*, bureau_id: int, now: dt.datetime) -> QuerySet[Jobseeker]:
    """Jobseekers told of a new version (Art 14): an active registration and a usable address.

    Active: the registration runs to today or later (Asia/Tokyo), the email was verified, no
    bounce or complaint was reported, and the record is not anonymised.
    """
    return Jobseeker.objects.filter(
        office__bureau_id=bureau_id,
        registration_valid_until__gte=tokyo_date(now),
        email_verified_at__isnull=False,
        anonymised_at__isnull=True,
    ).exclude(email_problem__in=[EmailProblem.BOUNCED, EmailProblem.COMPLAINED])
