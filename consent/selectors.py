"""Which terms are in force, and whether a jobseeker has agreed to them."""

import datetime as dt

from django.db.models import QuerySet

from .models import Consent, TermsVersion


def terms_published(*, bureau_id: int) -> QuerySet[TermsVersion]:
    return TermsVersion.objects.filter(bureau_id=bureau_id, published_at__isnull=False)


def terms_in_force(*, bureau_id: int, now: dt.datetime) -> TermsVersion | None:
    """The published version with the latest effective date that has arrived (Art 14)."""
    return (
        terms_published(bureau_id=bureau_id)
        .filter(effective_from__lte=now)
        .order_by("-effective_from")
        .first()
    )


def consent_latest(*, jobseeker_id: int) -> Consent | None:
    return (
        Consent.objects.filter(jobseeker_id=jobseeker_id)
        .select_related("terms_version")
        .order_by("-given_at")
        .first()
    )


def consent_is_current(*, jobseeker_id: int, bureau_id: int, now: dt.datetime) -> bool:
    """True when the jobseeker agreed to the version in force (and to the video app's terms)."""
    version = terms_in_force(bureau_id=bureau_id, now=now)
    if version is None:
        return False
    return Consent.objects.filter(
        jobseeker_id=jobseeker_id, terms_version=version, video_app_terms_accepted=True
    ).exists()
