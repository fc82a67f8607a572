"""Retention policy (Art 9): jobseekers inactive for N years are anonymised.

Their reservations stay (the foreign key is PROTECT) with status, office, time and source, so
the figures per office and week are unchanged; every value that names or reaches the person
is erased: number, names, email, phone, the free text staff wrote, IP addresses, sign-in links.
"""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet

from core.calendar import tokyo_date
from core.sql import db_now
from core.sweeps import each_id
from offices.roles import recorded_user

from .events import jobseeker_anonymised
from .models import (
    AuditAction,
    AuditEntry,
    Jobseeker,
    RegistrationRequest,
    SignInToken,
    UsageRecord,
    jobseeker_name_key,
)


def years_before(moment: dt.datetime, years: int) -> dt.datetime:
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year - years, day=28)


def jobseekers_inactive(*, now: dt.datetime, years: int) -> QuerySet[Jobseeker]:
    """Not yet anonymised, no activity, no reservation and no registration since the cut-off."""
    cutoff = years_before(now, years)
    return (
        Jobseeker.objects.filter(anonymised_at__isnull=True)
        .filter(
            Q(last_activity_at__lt=cutoff) | Q(last_activity_at__isnull=True, created_at__lt=cutoff)
        )
        .exclude(registration_valid_until__gte=tokyo_date(cutoff))
        .exclude(reservations__starts_at__gte=cutoff)
    )


def anonymised_number(pk: int) -> str:
    # Office code 00000 names no office: the placeholder can never be a real 求職番号.
    return f"00000-{pk % 10**8:08d}"


def jobseeker_anonymise(*, jobseeker: Jobseeker | int, actor=None, now: dt.datetime) -> bool:
    """Erase one jobseeker's personal data, keep the statistics; False if already done."""
    pk = jobseeker if isinstance(jobseeker, int) else jobseeker.pk
    with transaction.atomic():
        # The conditional update claims the row: two sweeps never anonymise it twice.
        claimed = Jobseeker.objects.filter(pk=pk, anonymised_at__isnull=True).update(
            number=anonymised_number(pk),
            family_name="",
            given_name="",
            family_name_kana="",
            given_name_kana="",
            name_key=jobseeker_name_key("", "", "", ""),
            email=f"anonymised-{pk}@anonymised.invalid",
            email_verified_at=None,
            email_problem="",
            email_problem_at=None,
            phone="",
            suspended=False,
            suspension_reason="",
            suspended_at=None,
            suspended_by=None,
            verified_by=None,
            needs_review=False,
            anonymised_at=now,
            updated_at=now,
        )
        if claimed != 1:
            return False
        # Reservations' free text, consents' IP addresses, emails' recipients: each app
        # erases its own copies (bookings/, consent/, notifications/ events.py).
        jobseeker_anonymised.send(sender=Jobseeker, jobseeker_id=pk, now=now)
        UsageRecord.objects.filter(jobseeker_id=pk).update(jobseeker=None, ip_address=None)
        SignInToken.objects.filter(jobseeker_id=pk).delete()
        RegistrationRequest.objects.filter(jobseeker_id=pk).delete()
        AuditEntry.objects.create(
            at=now,
            actor=recorded_user(actor),
            action=AuditAction.ANONYMISE,
            jobseeker_id=pk,
            target=f"jobseeker:{pk}",
            detail="retention policy",
        )
    return True


def jobseekers_anonymise_inactive(
    *, now: dt.datetime | None = None, years: int | None = None, limit: int = 1000
) -> int:
    """The beat job: anonymise up to `limit` inactive jobseekers; returns how many.

    The years are counted on the database's clock (the activity times were written by other
    hosts); `now` is for tests.
    """
    now = now or db_now()
    years = years if years is not None else settings.JOBSEEKER_INACTIVE_YEARS
    ids = list(
        jobseekers_inactive(now=now, years=years)
        .order_by("pk")
        .values_list("pk", flat=True)
        .distinct()[:limit]
    )
    # One jobseeker whose data cannot be erased is logged and skipped; the others are not.
    return sum(
        each_id(ids, lambda pk: jobseeker_anonymise(jobseeker=pk, now=now), job="anonymisation")
    )
