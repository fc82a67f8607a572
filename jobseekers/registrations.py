"""Online registration requests: the office binds an email address to a 求職番号 (Art 2(1)).

A visitor who proved an address (by opening the link sent to it) and typed a number and names
has made a request; nothing more. Staff check who asked — at the counter, or by phoning the
number the Hello Work system holds for the registration — and confirm it, which binds the
address to the number (creating the record if there is none), verifies the registration and
emails the jobseeker that they can book. Or they decline it. Requests for one number coexist;
confirming one declines the others. Requests are deleted after a retention period.
"""

import datetime as dt
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.calendar import tokyo_date
from core.errors import DomainError
from offices.models import Office
from offices.roles import recorded_user

from .events import identification_purged, registration_confirmed
from .models import (
    CONFIRM_METHODS,
    REJECT_REASONS,
    AuditAction,
    EmailProblem,
    Jobseeker,
    RegistrationRequest,
    RegistrationStatus,
    RequestDecision,
    RequestStatus,
    SignInToken,
)
from .roster import roster_entry_binding, roster_entry_for_request
from .services import audit_record, jobseeker_verify, registration_end_for

logger = logging.getLogger(__name__)


class RequestDecided(DomainError):
    code = "registration_request_decided"
    default_message = _("This request has been decided already.")


class RequestOfAnotherOffice(DomainError):
    code = "registration_request_other_office"
    default_message = _(
        "This number belongs to a jobseeker of another office; that office confirms it."
    )


class RequestDecisionInvalid(DomainError):
    code = "registration_request_decision_invalid"
    default_message = _("Choose how the request was checked.")


def registration_request_record(
    *,
    office: Office,
    number: str,
    family_name: str,
    given_name: str,
    family_name_kana: str,
    given_name_kana: str,
    email: str,
    language: str,
    now: dt.datetime,
) -> RegistrationRequest:
    """Record a pending request, or refresh the pending one of the same number and address.

    Whatever else exists for the number (a record, other requests) is left as it is.
    """
    fields = {
        "office": office,
        "family_name": family_name,
        "given_name": given_name,
        "family_name_kana": family_name_kana,
        "given_name_kana": given_name_kana,
        "email": email,
        "language": language,
        "received_at": now,
    }
    pending = RegistrationRequest.objects.filter(
        number=number, status=RequestStatus.PENDING
    ).annotate(email_lower=Lower("email"))
    for _attempt in range(2):
        existing = pending.select_for_update().filter(email_lower=email.strip().casefold()).first()
        if existing is not None:
            for name, value in fields.items():
                setattr(existing, name, value)
            existing.save(update_fields=list(fields))
            return existing
        try:
            with transaction.atomic():
                return RegistrationRequest.objects.create(number=number, created_at=now, **fields)
        except IntegrityError:
            # Two tabs at once: the other one's request is there now; refresh it instead.
            continue
    raise RuntimeError("registration request neither found nor created")


def _decline_other_requests(*, number: str, actor, now: dt.datetime) -> int:
    return RegistrationRequest.objects.filter(number=number, status=RequestStatus.PENDING).update(
        status=RequestStatus.REJECTED,
        decided_at=now,
        decided_by=recorded_user(actor),
        decision=RequestDecision.SUPERSEDED,
    )


def registration_from_roster(
    *, office: Office, payload: dict, now: dt.datetime
) -> Jobseeker | None:
    """A first visit that proved the address the office's roster carries for the number, under
    one of the names typed: the record is created, verified by the roster; None otherwise.

    Runs inside the link's transaction; a record made meanwhile for the number wins (None).
    """
    number, email = payload.get("number", ""), payload.get("email", "")
    names = (
        payload.get("family_name", "") + payload.get("given_name", ""),
        payload.get("family_name_kana", "") + payload.get("given_name_kana", ""),
    )
    entry = roster_entry_binding(
        office=office, number=number, email=email, names=names, today=tokyo_date(now)
    )
    if entry is None:
        return None
    try:
        with transaction.atomic():
            jobseeker = Jobseeker.objects.create(
                number=number,
                family_name=payload.get("family_name", ""),
                given_name=payload.get("given_name", ""),
                family_name_kana=payload.get("family_name_kana", ""),
                given_name_kana=payload.get("given_name_kana", ""),
                email=entry.email,
                email_verified_at=now,
                email_bound_at=entry.imported_at,
                office=office,
                registration_status=RegistrationStatus.UNVERIFIED,
                preferred_language=payload.get("language") or "ja",
            )
    except IntegrityError:
        return None
    audit_record(
        action=AuditAction.CREATE,
        jobseeker=jobseeker,
        target=f"jobseeker:{jobseeker.pk}",
        detail="first visit with the roster's email address",
        now=now,
    )
    _decline_other_requests(number=number, actor=None, now=now)
    return jobseeker_verify(
        jobseeker=jobseeker,
        actor=None,
        valid_until=entry.valid_until,
        status=RegistrationStatus.VERIFIED_ROSTER,
        now=now,
    )


def registration_request_context(request: RegistrationRequest, *, today: dt.date) -> dict:
    """What staff need to decide: the number's record, the roster, the other requests."""
    record = (
        Jobseeker.objects.select_related("office")
        .filter(number=request.number, anonymised_at__isnull=True)
        .first()
    )
    roster = roster_entry_for_request(request=request, today=today)
    others = (
        RegistrationRequest.objects.filter(number=request.number, status=RequestStatus.PENDING)
        .exclude(pk=request.pk)
        .count()
    )
    return {
        "record": record,
        "record_same_email": record is not None
        and record.email.casefold() == request.email.casefold(),
        "record_other_office": record is not None and record.office_id != request.office_id,
        "roster": roster,
        "roster_email": bool(roster and roster.email),
        "roster_same_email": bool(roster and roster.email.casefold() == request.email.casefold()),
        "other_pending": others,
    }


def _locked_pending(request: RegistrationRequest | int) -> RegistrationRequest:
    pk = request if isinstance(request, int) else request.pk
    row = RegistrationRequest.objects.select_for_update().get(pk=pk)
    if row.status != RequestStatus.PENDING:
        raise RequestDecided()
    return row


def registration_request_confirm(
    *,
    request: RegistrationRequest | int,
    actor,
    method: str,
    valid_until: dt.date | None = None,
    now: dt.datetime | None = None,
) -> Jobseeker:
    """Staff checked who asked: bind the address to the number and verify the registration.

    The number's record is created if there is none (with the names of the request); an
    existing record keeps its names and gets the address. Every other pending request for the
    number is declined. The jobseeker is emailed that they can book.
    """
    if method not in CONFIRM_METHODS:
        raise RequestDecisionInvalid()
    now = now or timezone.now()
    valid_until = valid_until or registration_end_for(tokyo_date(now))
    with transaction.atomic():
        row = _locked_pending(request)
        jobseeker = (
            Jobseeker.objects.select_for_update()
            .filter(number=row.number, anonymised_at__isnull=True)
            .first()
        )
        if jobseeker is None:
            jobseeker = Jobseeker.objects.create(
                number=row.number,
                family_name=row.family_name,
                given_name=row.given_name,
                family_name_kana=row.family_name_kana,
                given_name_kana=row.given_name_kana,
                email=row.email,
                email_verified_at=row.received_at,
                email_bound_at=now,
                office=row.office,
                registration_status=RegistrationStatus.UNVERIFIED,
                preferred_language=row.language,
            )
            change = "created"
            audit_record(
                action=AuditAction.CREATE,
                actor=actor,
                jobseeker=jobseeker,
                target=f"jobseeker:{jobseeker.pk}",
                detail=f"registration request {row.pk}",
                now=now,
            )
        else:
            if jobseeker.office_id != row.office_id:
                raise RequestOfAnotherOffice()
            change = (
                "same address"
                if jobseeker.email.casefold() == row.email.casefold()
                else "address replaced"
            )
            fields = {
                "email": row.email,
                "email_verified_at": row.received_at,
                "email_bound_at": now,
                "preferred_language": row.language,
            }
            if change == "address replaced":
                fields.update(email_problem=EmailProblem.NONE, email_problem_at=None)
            Jobseeker.objects.filter(pk=jobseeker.pk).update(**fields, updated_at=now)
            for name, value in fields.items():
                setattr(jobseeker, name, value)
        jobseeker = jobseeker_verify(
            jobseeker=jobseeker,
            actor=actor,
            valid_until=valid_until,
            status=RegistrationStatus.VERIFIED_STAFF,
            now=now,
        )
        RegistrationRequest.objects.filter(pk=row.pk).update(
            status=RequestStatus.CONFIRMED,
            decided_at=now,
            decided_by=recorded_user(actor),
            decision=method,
            jobseeker=jobseeker,
        )
        superseded = _decline_other_requests(number=row.number, actor=actor, now=now)
        audit_record(
            action=AuditAction.REQUEST_CONFIRM,
            actor=actor,
            jobseeker=jobseeker,
            target=f"registration_request:{row.pk}",
            detail=f"method={method} record={change} others_declined={superseded}",
            now=now,
        )
        registration_confirmed.send(
            sender=RegistrationRequest, request=row, jobseeker=jobseeker, now=now
        )
    return jobseeker


def registration_request_reject(
    *, request: RegistrationRequest | int, actor, reason: str, now: dt.datetime | None = None
) -> RegistrationRequest:
    """Staff could not confirm who asked: the request is declined; nothing else changes."""
    if reason not in REJECT_REASONS:
        raise RequestDecisionInvalid(_("Choose why the request is declined."))
    now = now or timezone.now()
    with transaction.atomic():
        row = _locked_pending(request)
        row.status = RequestStatus.REJECTED
        row.decided_at = now
        row.decided_by = recorded_user(actor)
        row.decision = reason
        row.save(update_fields=["status", "decided_at", "decided_by", "decision"])
        audit_record(
            action=AuditAction.REQUEST_REJECT,
            actor=actor,
            target=f"registration_request:{row.pk}",
            detail=f"reason={reason}",
            now=now,
        )
    return row


def registration_data_purge(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Art 9: delete what identification left behind once it has served.

    Registration requests `REGISTRATION_REQUEST_RETENTION_DAYS` after they were last received
    (pending) or decided (the decision stays in the audit trail, without personal data);
    sign-in links and the emails that carried them `SIGN_IN_RETENTION_DAYS` after they
    expired; "no match" emails as long after they went out.
    """
    now = now or timezone.now()
    requests_cutoff = now - dt.timedelta(days=settings.REGISTRATION_REQUEST_RETENTION_DAYS)
    sign_in_cutoff = now - dt.timedelta(days=settings.SIGN_IN_RETENTION_DAYS)
    requests, _detail = RegistrationRequest.objects.filter(
        Q(status=RequestStatus.PENDING, received_at__lt=requests_cutoff)
        | Q(decided_at__lt=requests_cutoff)
    ).delete()
    # Their emails (sign_in, registration_link) go with them (the foreign key cascades).
    tokens, _detail = SignInToken.objects.filter(expires_at__lt=sign_in_cutoff).delete()
    # "No match" emails, which no token's cascade takes (notifications/events.py).
    unknown = sum(
        deleted
        for _receiver, deleted in identification_purged.send(
            sender=RegistrationRequest, before=sign_in_cutoff
        )
    )
    if requests or tokens or unknown:
        logger.info("identification data purged rows=%d/%d/%d", requests, tokens, unknown)
    return {"requests": requests, "sign_in_tokens": tokens, "notifications": unknown}
