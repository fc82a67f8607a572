"""Identification by one-time email links, and the first visit that becomes a request.

Only the office binds an email address to a 求職番号 (staff type it, confirm a request, or a
roster carries it). So a visitor's identification never changes a record, and it signs in only
whoever opens a link sent to the address the office bound to the number:

- "Booked before" (number + email): a link when the address is the number's bound address;
  otherwise an email saying how to go on.
- First visit (number, names, readings, email): a link when the address is the number's bound
  address, or the address the office's roster carries for the number under that name (opening
  it then creates the record, verified by the roster); otherwise a link that confirms the
  address, and opening it records a registration request for the office to check
  (jobseekers.registrations). Several requests for one number coexist, so nobody can squat a
  number by asking first.

Whatever the number, the page, the work done in the request and the email to an address the
office did not bind are the same, so nothing tells whether a number is registered. Emails go
through the outbox (notifications) like every other: a slow or failing provider never holds a
web worker. A link works once and for 30 minutes of the database's clock (written by one web host,
read by another). The database keeps only its hash and a nonce;
the link is an HMAC of the nonce with the secret key, derived again by the worker that sends it.
"""

import base64
import datetime as dt
import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from core.calendar import tokyo_date
from core.errors import DomainError
from core.sql import db_now, db_time
from offices.models import Office

from .events import sign_in_address_unknown, sign_in_link_created
from .models import Jobseeker, RegistrationRequest, SignInPurpose, SignInToken
from .numbers import office_code_of
from .roster import roster_entry_binding

logger = logging.getLogger(__name__)

SIGN_IN_LIFETIME = dt.timedelta(minutes=30)
TOKEN_PATTERN = r"[A-Za-z0-9_-]{43}"  # noqa: S105 - a pattern, not a secret
_TOKEN_SALT = "jobseekers.signin.link"  # noqa: S105 - an HMAC salt, not a secret


class SignInError(DomainError):
    code = "sign_in_error"
    default_message = _("This link cannot be used.")


class LinkInvalid(SignInError):
    code = "invalid"
    default_message = _("This link is not valid. Please check that you copied the whole link.")


class LinkUsed(SignInError):
    code = "used"
    default_message = _("This link has already been used. Each link works only once.")


class LinkExpired(SignInError):
    code = "expired"
    default_message = _("This link has expired. A link works for 30 minutes.")


class DetailsMismatch(SignInError):
    code = "mismatch"
    # Raised when the office has bound another address to the number since the link was sent:
    # the number and names were right; the address is what changed.
    default_message = _(
        "This link went to an email address that your Hello Work office no longer has for your "
        "jobseeker number. Sign in with the address the office has now; if your address has "
        "changed, send a request with the new one, or phone your office."
    )


@dataclass(frozen=True)
class Redeemed:
    """What opening a link did: signed a jobseeker in, or recorded a registration request."""

    jobseeker: Jobseeker | None = None
    request: RegistrationRequest | None = None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _derive(nonce: str, secret: str) -> str:
    """The link's token: 256 bits of HMAC over the nonce, 43 URL-safe characters."""
    digest = salted_hmac(_TOKEN_SALT, nonce, secret=secret, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def office_for_number(number: str) -> Office | None:
    """The office whose registration code opens the number (the first five digits)."""
    return Office.objects.filter(registration_code=office_code_of(number), is_active=True).first()


def _link(token: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("bookings:sign_in", kwargs={"token": token})


def sign_in_url(row: SignInToken) -> str | None:
    """The link of `row`, derived from its nonce and the secret key (or a fallback key, after
    a rotation); None when no key gives back the stored hash (then it cannot be sent)."""
    if not row.nonce:
        return None
    for secret in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]:
        token = _derive(row.nonce, secret)
        if hmac.compare_digest(_hash(token), row.token_hash):
            return _link(token)
    return None


def _token_create(
    *, purpose: str, jobseeker=None, payload: dict, now: dt.datetime | None
) -> SignInToken:
    nonce = secrets.token_hex(16)
    # The 30 minutes run on the database's clock: another web host, whose clock need not agree
    # with this one's, may be the one that reads the link (`now` is for tests).
    issued = now or db_now()
    return SignInToken.objects.create(
        token_hash=_hash(_derive(nonce, settings.SECRET_KEY)),
        nonce=nonce,
        purpose=purpose,
        jobseeker=jobseeker,
        payload=payload,
        created_at=issued,
        expires_at=issued + SIGN_IN_LIFETIME,
    )


def same_email(a: str, b: str) -> bool:
    return bool(a) and bool(b) and a.strip().casefold() == b.strip().casefold()


def _bound_to(*, number: str, email: str, lock: bool = False) -> Jobseeker | None:
    """The jobseeker whose number is `number` and whose address (set by the office, or proven
    by a link before this rule) is `email`; None otherwise, whatever the reason."""
    rows = Jobseeker.objects.filter(number=number, anonymised_at__isnull=True)
    if lock:
        rows = rows.select_for_update()
    jobseeker = rows.first()
    if jobseeker is not None and same_email(jobseeker.email, email):
        return jobseeker
    return None


def _queue_sign_in_link(*, jobseeker: Jobseeker, language: str, now: dt.datetime | None) -> None:
    row = _token_create(
        purpose=SignInPurpose.RETURNING,
        jobseeker=jobseeker,
        payload={"email": jobseeker.email, "language": language},
        now=now,
    )
    sign_in_link_created.send(
        sender=SignInToken,
        token=row,
        jobseeker=jobseeker,
        on_roster=False,
        recipient=jobseeker.email,
        language=language,
        now=now,
    )


def sign_in_request_returning(
    *, number: str, email: str, language: str = "ja", now: dt.datetime | None = None
) -> None:
    """Queue a link when `email` is the number's bound address; otherwise how to go on.

    The address typed receives one email either way, and the work done is the same, so the
    page and the timing say nothing about whether the number is known. `now` is for tests.
    """
    with transaction.atomic():
        jobseeker = _bound_to(number=number, email=email)
        if jobseeker is not None:
            _queue_sign_in_link(jobseeker=jobseeker, language=language, now=now)
            return
        # Not linked to any jobseeker: the address typed may be anyone's.
        sign_in_address_unknown.send(
            sender=SignInToken,
            recipient=email,
            language=language,
            key=f"sign_in_unknown:{secrets.token_hex(16)}",
            now=now,
        )


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
    """Queue a link to `email`: a sign-in link when it is the number's bound address, else a
    link that confirms the address and sends the details to the office as a request.
    `now` is for tests."""
    with transaction.atomic():
        jobseeker = _bound_to(number=number, email=email)
        if jobseeker is not None:
            _queue_sign_in_link(jobseeker=jobseeker, language=language, now=now)
            return
        office = office_for_number(number)
        on_roster = office is not None and (
            roster_entry_binding(
                office=office,
                number=number,
                email=email,
                names=(family_name + given_name, family_name_kana + given_name_kana),
                today=tokyo_date(now or timezone.now()),
            )
            is not None
        )
        row = _token_create(
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
        # Which email (a sign-in or a registration link) is notifications' choice.
        sign_in_link_created.send(
            sender=SignInToken,
            token=row,
            jobseeker=None,
            on_roster=on_roster,
            recipient=email,
            language=language,
            now=now,
        )


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


def _signed_in(jobseeker: Jobseeker, *, language: str, now: dt.datetime) -> Redeemed:
    fields = {"preferred_language": language, "last_activity_at": now}
    if jobseeker.email_verified_at is None:
        fields["email_verified_at"] = now
    Jobseeker.objects.filter(pk=jobseeker.pk).update(**fields)
    for name, value in fields.items():
        setattr(jobseeker, name, value)
    return Redeemed(jobseeker=jobseeker)


def sign_in_redeem(*, token: str, now: dt.datetime | None = None) -> Redeemed:
    """Use the link once: the address is proven.

    A returning link signs its jobseeker in while the address is still theirs. A first-visit
    link signs in only when the address has since become the number's bound address; otherwise
    it records (or refreshes) a registration request and changes no jobseeker.
    """
    from .registrations import registration_from_roster, registration_request_record

    row = sign_in_token_state(token=token, now=now)
    # Spent first, in its own commit: single use even when two tabs open the link at once.
    # Expiry on the database's clock (db_time); what is recorded, on this one's, as every
    # other record of the request.
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
            jobseeker = (
                Jobseeker.objects.select_for_update()
                .filter(pk=row.jobseeker_id, anonymised_at__isnull=True)
                .first()
            )
            if jobseeker is None or not same_email(jobseeker.email, payload.get("email", "")):
                # The office has bound another address since the link was sent.
                raise DetailsMismatch()
            return _signed_in(jobseeker, language=language, now=now)
        number, email = payload.get("number", ""), payload.get("email", "")
        jobseeker = _bound_to(number=number, email=email, lock=True)
        if jobseeker is not None:
            return _signed_in(jobseeker, language=language, now=now)
        office = office_for_number(number)
        if office is None:
            # The office stopped taking online bookings since the form accepted the number.
            raise LinkInvalid()
        jobseeker = registration_from_roster(office=office, payload=payload, now=now)
        if jobseeker is not None:
            return _signed_in(jobseeker, language=language, now=now)
        request = registration_request_record(
            office=office,
            number=number,
            family_name=payload.get("family_name", ""),
            given_name=payload.get("given_name", ""),
            family_name_kana=payload.get("family_name_kana", ""),
            given_name_kana=payload.get("given_name_kana", ""),
            email=email,
            language=language,
            now=now,
        )
        logger.info("registration request recorded id=%s", request.pk)
        return Redeemed(request=request)
