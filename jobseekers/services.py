"""Changes to jobseekers and the audit trail of them (Art 9)."""

import calendar
import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.calendar import tokyo_date
from core.dates import date_check
from core.errors import DomainError
from offices.roles import recorded_user

from .models import AuditAction, AuditEntry, Jobseeker, RegistrationStatus


class RegistrationDateInPast(DomainError):
    code = "registration_date_in_past"
    default_message = _("The registration cannot end before today.")


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
        actor=recorded_user(actor),
        action=action,
        jobseeker=jobseeker,
        target=target[:100],
        detail=detail[:500],
    )


def audit_record_views(*, actor, jobseeker_ids, target: str, now: dt.datetime | None = None) -> int:
    """One VIEW entry per jobseeker shown on a staff page (Art 9: who looked at whom, and when).

    `target` names the page (e.g. `schedule:2026-12-01`), never personal data; one INSERT.
    """
    at = now or timezone.now()
    entries = [
        AuditEntry(
            at=at,
            actor=recorded_user(actor),
            action=AuditAction.VIEW,
            jobseeker_id=pk,
            target=target[:100],
            detail="admin",
        )
        for pk in sorted(set(jobseeker_ids))
    ]
    AuditEntry.objects.bulk_create(entries)
    return len(entries)


TOUCH_RESOLUTION = dt.timedelta(hours=1)


def jobseeker_touch(*, jobseeker: Jobseeker, today: dt.date, now: dt.datetime) -> None:
    """Record activity and extend the registration by use (Art 2(1)).

    The activity time feeds the retention rule (years without activity), so a touch within
    the hour of the recorded one changes nothing and writes nothing.
    """
    new_end = registration_end_for(today)
    fields = {}
    last = jobseeker.last_activity_at
    if last is None or not (now - TOUCH_RESOLUTION <= last <= now):
        fields["last_activity_at"] = now
    if jobseeker.registration_valid_until is None or jobseeker.registration_valid_until < new_end:
        fields["registration_valid_until"] = new_end
    if not fields:
        return
    Jobseeker.objects.filter(pk=jobseeker.pk).update(**fields)
    for name, value in fields.items():
        setattr(jobseeker, name, value)


def jobseeker_verify(
    *,
    jobseeker: Jobseeker | int,
    actor,
    valid_until: dt.date | None = None,
    status: str = RegistrationStatus.VERIFIED_STAFF,
    now: dt.datetime | None = None,
) -> Jobseeker:
    """Staff confirmed the registration (Art 2(1)); it runs to `valid_until`.

    Without a date the registration runs to the end of the month after next.
    """
    now = now or timezone.now()
    today = tokyo_date(now)
    valid_until = valid_until or registration_end_for(today)
    if valid_until < today:
        raise RegistrationDateInPast()
    date_check(valid_until, now=now)
    pk = jobseeker if isinstance(jobseeker, int) else jobseeker.pk
    with transaction.atomic():
        jobseeker = Jobseeker.objects.select_for_update().get(pk=pk)
        jobseeker.registration_status = status
        jobseeker.registration_valid_until = valid_until
        jobseeker.verified_at = now
        jobseeker.verified_by = recorded_user(actor)
        jobseeker.save(
            update_fields=[
                "registration_status",
                "registration_valid_until",
                "verified_at",
                "verified_by",
                "updated_at",
            ]
        )
        audit_record(
            action=AuditAction.VERIFY,
            actor=actor,
            jobseeker=jobseeker,
            target=f"jobseeker:{jobseeker.pk}",
            detail=f"status={status}",
            now=now,
        )
    return jobseeker
