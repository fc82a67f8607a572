"""The refusal policy: repeated no-shows lead to review and may lead to suspension (Art 6(5), 13(1))."""

import datetime as dt

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext

from bookings.errors import InvalidTransition, ReasonRequired
from bookings.models import Reservation, ReservationStatus
from core.sql import id_set
from jobseekers.models import AuditAction, AuditEntry, Jobseeker
from jobseekers.services import audit_record
from offices.models import Office
from offices.roles import recorded_user


def jobseeker_noshow_count(*, jobseeker: Jobseeker, now: dt.datetime | None = None) -> int:
    """No-shows of the jobseeker within their office's window (default 180 days)."""
    now = now or timezone.now()
    window = dt.timedelta(days=jobseeker.office.noshow_window_days)
    return Reservation.objects.filter(
        jobseeker=jobseeker, status=ReservationStatus.NO_SHOW, starts_at__gte=now - window
    ).count()


def jobseekers_noshow_policy_apply(*, jobseeker_ids: list[int], now: dt.datetime) -> list[int]:
    """Flag for review each jobseeker at or over the office's threshold; returns those flagged.

    The terms only say repeated no-shows *may* lead to refusal (Art 6(5)), so a person decides:
    the flag asks staff to review. Suspension is automatic only where the office chose it.
    Runs in the caller's transaction (the sweep's), grouped per office: one count per office.
    """
    candidates = (
        Jobseeker.objects.filter(pk__in=id_set(jobseeker_ids), suspended=False)
        .values_list("pk", "office_id")
        .order_by()
    )
    by_office: dict[int, list[int]] = {}
    for pk, office_id in candidates:
        by_office.setdefault(office_id, []).append(pk)
    flagged: list[int] = []
    audits: list[AuditEntry] = []
    for office in Office.objects.filter(pk__in=by_office):
        window = dt.timedelta(days=office.noshow_window_days)
        over = list(
            Reservation.objects.filter(
                jobseeker_id__in=id_set(by_office[office.pk]),
                status=ReservationStatus.NO_SHOW,
                starts_at__gte=now - window,
            )
            .values("jobseeker_id")
            .annotate(n=Count("pk"))
            .filter(n__gte=office.noshow_threshold)
            .values_list("jobseeker_id", flat=True)
            .order_by()
        )
        if not over:
            continue
        Jobseeker.objects.filter(pk__in=over, needs_review=False).update(
            needs_review=True, review_flagged_at=now, updated_at=now
        )
        flagged.extend(over)
        if office.auto_suspend_on_threshold:
            reason = gettext("Automatic: %(count)s no-shows within %(days)s days (Art 6(5)).") % {
                "count": office.noshow_threshold,
                "days": office.noshow_window_days,
            }
            Jobseeker.objects.filter(pk__in=over, suspended=False).update(
                suspended=True,
                suspension_reason=reason,
                suspended_at=now,
                suspended_by=None,
                updated_at=now,
            )
            audits.extend(
                AuditEntry(
                    at=now,
                    action=AuditAction.SUSPEND,
                    jobseeker_id=pk,
                    target=f"jobseeker:{pk}",
                    detail="automatic: no-show threshold",
                )
                for pk in over
            )
    AuditEntry.objects.bulk_create(audits)
    return flagged


def _locked(jobseeker: Jobseeker | int) -> Jobseeker:
    pk = jobseeker if isinstance(jobseeker, int) else jobseeker.pk
    return Jobseeker.objects.select_for_update(of=("self",)).select_related("office").get(pk=pk)


def jobseeker_suspend(
    *, jobseeker: Jobseeker | int, actor, reason: str, now: dt.datetime | None = None
) -> Jobseeker:
    """Refuse further online bookings (Art 6(5), 13(1)); staff must say why."""
    now = now or timezone.now()
    reason = reason.strip()
    if not reason:
        raise ReasonRequired()
    with transaction.atomic():
        jobseeker = _locked(jobseeker)
        if jobseeker.suspended:
            raise InvalidTransition()
        jobseeker.suspended = True
        jobseeker.suspension_reason = reason
        jobseeker.suspended_at = now
        jobseeker.suspended_by = recorded_user(actor)
        # A decision was taken: the review the threshold asked for is done.
        jobseeker.needs_review = False
        jobseeker.save()
        audit_record(
            action=AuditAction.SUSPEND,
            actor=actor,
            jobseeker=jobseeker,
            target=f"jobseeker:{jobseeker.pk}",
            now=now,
        )
    return jobseeker


def jobseeker_unsuspend(
    *, jobseeker: Jobseeker | int, actor, now: dt.datetime | None = None
) -> Jobseeker:
    """Lift a suspension; the jobseeker may book online again."""
    now = now or timezone.now()
    with transaction.atomic():
        jobseeker = _locked(jobseeker)
        if not jobseeker.suspended:
            raise InvalidTransition()
        jobseeker.suspended = False
        jobseeker.suspension_reason = ""
        jobseeker.suspended_at = None
        jobseeker.suspended_by = None
        jobseeker.save()
        audit_record(
            action=AuditAction.UNSUSPEND,
            actor=actor,
            jobseeker=jobseeker,
            target=f"jobseeker:{jobseeker.pk}",
            now=now,
        )
    return jobseeker


def jobseeker_clear_review(
    *, jobseeker: Jobseeker | int, actor, now: dt.datetime | None = None
) -> Jobseeker:
    """Staff reviewed the no-shows and decided not to suspend."""
    now = now or timezone.now()
    with transaction.atomic():
        jobseeker = _locked(jobseeker)
        if not jobseeker.needs_review:
            raise InvalidTransition()
        jobseeker.needs_review = False
        jobseeker.save()
        audit_record(
            action=AuditAction.CLEAR_REVIEW,
            actor=actor,
            jobseeker=jobseeker,
            target=f"jobseeker:{jobseeker.pk}",
            now=now,
        )
    return jobseeker
