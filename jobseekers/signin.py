"""One-time sign-in links that prove an email address (the booking journey's identification).

The first time, a jobseeker types 求職番号, names and email; a link to that email proves the
address, and only when it is used is the record matched or created. A returning jobseeker types
求職番号 and email and gets a link when they match a record. Either way the page answers the
same, so it never tells whether a number is known; the email says what happened instead.
A link works once and for 30 minutes of the database's clock (written by one web host, read by
another); only its hash is stored.
"""

import datetime as dt
import hashlib
import logging
import secrets

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from bookings.models import Office
from bookings.sql import db_now, db_time

from .models import AuditAction, Jobseeker, RegistrationStatus, SignInPurpose, SignInToken
from .numbers import office_code_of
from .roster import jobseeker_verify_from_roster
from .services import audit_record

logger = logging.getLogger(__name__)

SIGN_IN_LIFETIME = dt.timedelta(minutes=30)
TOKEN_PATTERN = r"[A-Za-z0-9_-]{43}"  # noqa: S105 - a pattern, not a secret


class SignInError(Exception):
    code = "sign_in_error"
    message = _("This link cannot be used.")


class LinkInvalid(SignInError):
    code = "invalid"
    message = _("This link is not valid. Please check that you copied the whole link.")


class LinkUsed(SignInError):
    code = "used"
    message = _("This link has already been used. Each link works only once.")


class LinkExpired(SignInError):
    code = "expired"
    message = _("This link has expired. A link works for 30 minutes.")


class DetailsMismatch(SignInError):
    code = "mismatch"
    message = _(
        "We could not confirm your registration with the details you gave. Please check your "
        "jobseeker number and names, or phone your Hello Work office."
    )


class EmailNotSent(SignInError):
    code = "email_not_sent"
    message = _("We could not send the email just now. Please try again in a few minutes.")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def office_for_number(number: str) -> Office | None:
    """The office whose registration code opens the number (the first five digits)."""
    return Office.objects.filter(registration_code=office_code_of(number), is_active=True).first()


def _send(*, template: str, to: str, language: str, context: dict) -> None:
    with translation.override(language):
        subject = " ".join(render_to_string(f"emails/{template}-subject.txt", context).split())
        text = render_to_string(f"emails/{template}-body.txt", context)
        html = render_to_string(f"emails/{template}-body.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[to])
    message.attach_alternative(html, "text/html")
    try:
        message.send()
    except Exception as exc:
        # The provider is down or refused: say so on the page rather than answer with a 500.
        logger.warning("sign-in email not sent template=%s error=%s", template, type(exc).__name__)
        raise EmailNotSent() from exc


def _link(token: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("bookings:sign_in", kwargs={"token": token})


def _token_create(*, purpose: str, jobseeker=None, payload: dict, now: dt.datetime | None) -> str:
    token = secrets.token_urlsafe(32)
    # The 30 minutes run on the database's clock: another web host, whose clock need not agree
    # with this one's, may be the one that reads the link (`now` is for tests).
    issued = now or db_now()
    SignInToken.objects.create(
        token_hash=_hash(token),
        purpose=purpose,
        jobseeker=jobseeker,
        payload=payload,
        created_at=issued,
        expires_at=issued + SIGN_IN_LIFETIME,
    )
    return token


def sign_in_request_first_visit(
    *,
    number: str,
    family_name: str,
    given_name: str,
    family_name_kana: str,
    given_name_kana: str,
    email: str,
    language: str = "ja",
    now: dt.datetime | None = None,
) -> None:
    """Email a one-time link to `email`; the details are kept with the link until it is used."""
    token = _token_create(
        purpose=SignInPurpose.FIRST_VISIT,
        payload={
            "number": number,
            "family_name": family_name,
            "given_name": given_name,
            "family_name_kana": family_name_kana,
            "given_name_kana": given_name_kana,
            "email": email,
            "language": language,
        },
        now=now,
    )
    _send(
        template="sign_in",
        to=email,
        language=language,
        context={"link": _link(token), "minutes": int(SIGN_IN_LIFETIME.total_seconds() // 60)},
    )
    logger.info("sign-in link sent purpose=first_visit")


def _same_email(a: str, b: str) -> bool:
    return bool(a) and bool(b) and a.strip().casefold() == b.strip().casefold()


def sign_in_request_returning(
    *, number: str, email: str, language: str = "ja", now: dt.datetime | None = None
) -> None:
    """Email a link when number and email match a record; otherwise email how to go on.

    The address typed receives an email either way, so the page and the timing say nothing
    about whether the number is known.
    """
    jobseeker = Jobseeker.objects.filter(number=number, anonymised_at__isnull=True).first()
    if jobseeker is not None and _same_email(jobseeker.email, email):
        token = _token_create(
            purpose=SignInPurpose.RETURNING,
            jobseeker=jobseeker,
            payload={"email": email, "language": language},
            now=now,
        )
        _send(
            template="sign_in",
            to=email,
            language=language,
            context={
                "link": _link(token),
                "minutes": int(SIGN_IN_LIFETIME.total_seconds() // 60),
            },
        )
        logger.info("sign-in link sent purpose=returning")
        return
    _send(
        template="sign_in_unknown",
        to=email,
        language=language,
        context={"start_url": settings.SITE_URL.rstrip("/") + reverse("bookings:identify")},
    )
    logger.info("sign-in request without a match")


def sign_in_token_state(*, token: str, now: dt.datetime | None = None) -> SignInToken:
    """The unused, unexpired link `token`, or the SignInError that explains why not.

    Expiry is read on the database's clock unless a test passes `now`.
    """
    now = now or db_now()
    row = SignInToken.objects.filter(token_hash=_hash(token)).first()
    if row is None:
        raise LinkInvalid()
    if row.used_at is not None:
        raise LinkUsed()
    if row.expires_at <= now:
        raise LinkExpired()
    return row


def _names_match(jobseeker: Jobseeker, payload: dict) -> bool:
    return jobseeker.family_name_kana == payload.get(
        "family_name_kana"
    ) and jobseeker.given_name_kana == payload.get("given_name_kana")


def sign_in_redeem(*, token: str, now: dt.datetime | None = None) -> Jobseeker:
    """Use the link once: the email is proven; return the jobseeker it identifies.

    A first visit creates the record (unverified until staff or a roster confirm it, Art 2(1))
    or matches the existing one by reading names; a record whose proven email differs is not
    taken over by someone who only knows the number.
    """
    row = sign_in_token_state(token=token, now=now)
    # Spent first, in its own commit: single use even when two tabs open the link at once,
    # and a link whose details do not match cannot be tried again. Expiry on the database's
    # clock (db_time); what is recorded, on this one's, as every other record of the request.
    claimed = SignInToken.objects.filter(
        pk=row.pk, used_at__isnull=True, expires_at__gt=db_time(now)
    ).update(used_at=db_time(now))
    now = now or timezone.now()
    if claimed != 1:
        raise LinkUsed()
    payload = row.payload or {}
    language = payload.get("language") or "ja"
    with transaction.atomic():
        if row.purpose == SignInPurpose.RETURNING:
            jobseeker = Jobseeker.objects.select_for_update().get(pk=row.jobseeker_id)
            if not _same_email(jobseeker.email, payload.get("email", "")):
                raise DetailsMismatch()
        else:
            jobseeker = _first_visit_match(payload=payload, now=now)
        fields = {"preferred_language": language, "last_activity_at": now}
        if jobseeker.email_verified_at is None:
            fields["email_verified_at"] = now
        Jobseeker.objects.filter(pk=jobseeker.pk).update(**fields)
        for name, value in fields.items():
            setattr(jobseeker, name, value)
    return jobseeker


def _first_visit_match(*, payload: dict, now: dt.datetime) -> Jobseeker:
    number = payload.get("number", "")
    office = office_for_number(number)
    if office is None:
        raise DetailsMismatch()
    jobseeker = (
        Jobseeker.objects.select_for_update()
        .filter(number=number, anonymised_at__isnull=True)
        .first()
    )
    if jobseeker is None:
        jobseeker = Jobseeker.objects.create(
            number=number,
            family_name=payload["family_name"],
            given_name=payload["given_name"],
            family_name_kana=payload["family_name_kana"],
            given_name_kana=payload["given_name_kana"],
            email=payload["email"],
            email_verified_at=now,
            office=office,
            registration_status=RegistrationStatus.UNVERIFIED,
            preferred_language=payload.get("language") or "ja",
        )
        audit_record(
            action=AuditAction.CREATE,
            jobseeker=jobseeker,
            target=f"jobseeker:{jobseeker.pk}",
            detail="first visit (email proven)",
            now=now,
        )
        # Art 2(1): an office's imported roster may already vouch for this registration.
        jobseeker_verify_from_roster(jobseeker=jobseeker, now=now)
        return jobseeker
    if not _names_match(jobseeker, payload):
        raise DetailsMismatch()
    if _same_email(jobseeker.email, payload.get("email", "")):
        return jobseeker
    if jobseeker.email_verified_at is None:
        # A record from staff or a roster whose email nobody has proven yet: the link proved this one.
        Jobseeker.objects.filter(pk=jobseeker.pk).update(email=payload["email"])
        jobseeker.email = payload["email"]
        audit_record(
            action=AuditAction.CHANGE,
            jobseeker=jobseeker,
            target=f"jobseeker:{jobseeker.pk}",
            detail="email proven at first visit",
            now=now,
        )
        return jobseeker
    raise DetailsMismatch()
