"""Recording consent (Art 2(3), 6) and publishing terms versions (Art 14)."""

import datetime as dt

from django.utils import timezone

from .models import Consent, ConsentChannel, TermsVersion


class ConsentError(Exception):
    pass


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
        raise ConsentError("Only a published terms version can be agreed to.")
    return Consent.objects.create(
        jobseeker=jobseeker,
        terms_version=terms_version,
        given_at=now or timezone.now(),
        channel=channel,
        ip_address=ip_address,
        video_app_terms_accepted=video_app_terms_accepted,
    )
