"""Changes to jobseekers and the audit trail of them (Art 9)."""

import calendar
import datetime as dt

from django.utils import timezone

from .models import AuditAction, AuditEntry, Jobseeker


def registration_end_for(day: dt.date) -> dt.date:
    """A registration lasts to the end of the month after next (求職登録の有効期間)."""
    year, month = day.year, day.month + 2
    if month > 12:
        year, month = year + 1, month - 12
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def audit_record(
    *,
    action: str | AuditAction,
    actor=None,
    jobseeker: Jobseeker | None = None,
    target: str = "",
    detail: str = "",
    now: dt.datetime | None = None,
) -> AuditEntry:
    """Write one audit entry. `detail` must never hold personal data (names, numbers, emails)."""
    return AuditEntry.objects.create(
        at=now or timezone.now(),
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        jobseeker=jobseeker,
        target=target[:100],
        detail=detail[:500],
    )


def jobseeker_touch(*, jobseeker: Jobseeker, today: dt.date, now: dt.datetime) -> None:
    """Record activity and extend the registration by use (Art 2(1))."""
    new_end = registration_end_for(today)
    fields = {"last_activity_at": now}
    if jobseeker.registration_valid_until is None or jobseeker.registration_valid_until < new_end:
        fields["registration_valid_until"] = new_end
    Jobseeker.objects.filter(pk=jobseeker.pk).update(**fields)
    for name, value in fields.items():
        setattr(jobseeker, name, value)
