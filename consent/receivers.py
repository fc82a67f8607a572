"""Consent's part of the lower layers' domain events (core/events.py)."""

from django.dispatch import receiver

from jobseekers.events import jobseeker_anonymised

from .models import Consent


@receiver(jobseeker_anonymised, dispatch_uid="consent.jobseeker_anonymised")
def on_jobseeker_anonymised(sender, *, jobseeker_id, **kwargs) -> None:
    """Art 9: the consent stays (which version, when, how); the address it came from goes."""
    Consent.objects.filter(jobseeker_id=jobseeker_id).update(ip_address=None)
