"""Celery tasks of jobseekers: the retention jobs of Art 7 and Art 9, run by beat."""

from celery import shared_task

from core.sql import retry_on_disconnect

from .registrations import registration_data_purge
from .retention import jobseekers_anonymise_inactive
from .usage import usage_records_purge


@shared_task(name="jobseekers.usage_records_purge", ignore_result=True)
def usage_records_purge_task() -> int:
    """Art 7: delete usage records older than USAGE_RECORD_RETENTION_DAYS."""
    return retry_on_disconnect(usage_records_purge, label="the usage-record purge")


@shared_task(name="jobseekers.anonymise_inactive", ignore_result=True)
def anonymise_inactive_task() -> int:
    """Art 9: anonymise jobseekers inactive for JOBSEEKER_INACTIVE_YEARS; the rest next run."""
    return retry_on_disconnect(jobseekers_anonymise_inactive, label="the retention sweep")


@shared_task(name="jobseekers.identification_purge", ignore_result=True)
def identification_purge_task() -> dict[str, int]:
    """Art 9: registration requests, sign-in links and their emails past their retention."""
    return retry_on_disconnect(registration_data_purge, label="the identification purge")
