"""Sending one outbox row: claim it, render it, hand it to the provider, record the result.

Safe to run twice, and from several workers at once: a row is claimed with a conditional
UPDATE (queued → sending) and only the worker whose UPDATE changed it sends. What can still
produce a second copy is written down in docs/notifications.md.
"""

import datetime as dt
import enum
import logging
import random
import smtplib
from dataclasses import dataclass

from anymail.exceptions import (
    AnymailAPIError,
    AnymailInvalidAddress,
    AnymailRecipientsRefused,
)
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import F, Q
from django.utils.translation import gettext_noop

from bookings.models import ReservationStatus
from core.sql import db_time, retry_on_disconnect
from jobseekers.models import EmailProblem, Jobseeker

from ..emails import message_id_for, notification_message
from ..models import LINK_KINDS, Notification, NotificationKind, NotificationStatus

logger = logging.getLogger(__name__)

# Longest wait between two attempts; past a minute the wait is held in the row (next_attempt_at)
# and the sweep, not a broker countdown, brings the row back.
MAX_RETRY_DELAY = 30 * 60
MAX_ERROR = 1000
# After the provider accepted an email, its `sent` mark waits up to about a minute for the
# database (a restart, a fail-over) before the row is left to the lease: 45 s in all, which
# with a 30 s provider call stays inside the task's soft time limit (120 s).
MARK_SENT_DELAYS = (0.1, 0.3, 0.6, 1.0, 2.0, 3.0, 5.0, 8.0, 10.0, 15.0)


class Outcome(enum.StrEnum):
    SENT = "sent"
    NOT_CLAIMED = "not_claimed"  # sent already, failed, or another worker holds it
    SKIPPED = "skipped"  # no longer applies
    RETRY = "retry"  # temporary failure: try again after `retry_in` seconds
    FAILED = "failed"  # permanent: a person has to look


@dataclass(frozen=True)
class SendResult:
    outcome: Outcome
    retry_in: float = 0.0


def sending_lease() -> dt.timedelta:
    return dt.timedelta(seconds=settings.NOTIFICATION_SENDING_LEASE)


def retry_delay(attempts: int) -> float:
    """Exponential backoff with jitter: base, 2·base, 4·base … capped at MAX_RETRY_DELAY."""
    base = settings.NOTIFICATION_RETRY_BASE * 2 ** max(attempts - 1, 0)
    return min(MAX_RETRY_DELAY, base) * random.uniform(0.8, 1.2)  # noqa: S311 - jitter only


def notification_claim(*, notification_id: int, now: dt.datetime | None = None) -> bool:
    """Move a queued row to sending and count the attempt; True only for the one who did it.

    The lease starts on the database's clock (`now()` in the UPDATE): the sweep that judges it
    stale may run on another host, whose clock need not agree with this one's.
    """
    at = db_time(now)
    return (
        Notification.objects.filter(pk=notification_id, status=NotificationStatus.QUEUED).update(
            status=NotificationStatus.SENDING,
            sending_started_at=at,
            attempts=F("attempts") + 1,
            updated_at=at,
        )
        == 1
    )


# AWS error codes that mean "later" whatever their HTTP status (SES answers Throttling with 400).
AWS_TEMPORARY_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "TooManyRequestsException",
        "RequestTimeout",
        "RequestTimeoutException",
        "ServiceUnavailable",
        "InternalFailure",
    }
)


def _api_status(exc: AnymailAPIError) -> tuple[int | None, str]:
    """The HTTP status and, for AWS, the error code of a provider's refusal."""
    response = exc.response
    if exc.status_code is None and isinstance(response, dict):
        # Amazon SES: anymail passes botocore's parsed ClientError response and no status.
        status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return status, response.get("Error", {}).get("Code", "")
    return exc.status_code, ""


def _is_temporary(exc: Exception) -> bool:
    """Provider errors worth retrying: 5xx, 429, timeouts, dropped connections, SMTP 4xx."""
    if isinstance(exc, AnymailRecipientsRefused | AnymailInvalidAddress):
        return False
    if isinstance(exc, AnymailAPIError):
        status, code = _api_status(exc)
        if code in AWS_TEMPORARY_CODES:
            return True
        return status is None or status == 429 or status >= 500
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _msg in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    if isinstance(exc, smtplib.SMTPException | OSError):
        return True
    # Unknown errors (a misconfigured provider, a bug): retried until NOTIFICATION_MAX_ATTEMPTS,
    # then failed for staff to see; never an endless loop.
    return True


def _is_recipient_refusal(exc: Exception) -> bool:
    return isinstance(
        exc, AnymailRecipientsRefused | AnymailInvalidAddress | smtplib.SMTPRecipientsRefused
    )


def is_duplicate_refusal(exc: Exception, notification: Notification) -> bool:
    """The provider refused this attempt because an earlier one with the same idempotency key
    was accepted (Brevo answers 400 `duplicate_parameter` within the key's 30 minutes).

    Only a retry can be a duplicate (attempt 2 or later of the same key); the first attempt
    refused so is a real error and is treated as one.
    """
    if not settings.EMAIL_IDEMPOTENCY_HEADER or notification.attempts < 2:
        return False
    if not isinstance(exc, AnymailAPIError) or exc.status_code != 400:
        return False
    try:
        body = exc.response.json()
    except (AttributeError, ValueError):
        return False
    return isinstance(body, dict) and body.get("code") == "duplicate_parameter"


def _describe(exc: Exception) -> str:
    try:
        text = str(exc)
    except Exception:  # noqa: BLE001 - a provider error that cannot describe itself
        text = repr(exc.args)
    return f"{type(exc).__name__}: {text}"[:MAX_ERROR]


def _still_holding(notification: Notification) -> Q:
    """The row as this worker claimed it (not re-queued by the sweep since)."""
    return Q(
        pk=notification.pk,
        status=NotificationStatus.SENDING,
        sending_started_at=notification.sending_started_at,
    )


def _finish(notification: Notification, status: str, reason: str, now: dt.datetime | None) -> None:
    at = db_time(now)
    fields = {"status": status, "last_error": reason[:MAX_ERROR], "updated_at": at}
    if status == NotificationStatus.FAILED:
        fields["failed_at"] = at
    retry_on_disconnect(
        lambda: Notification.objects.filter(_still_holding(notification)).update(**fields),
        label="finishing a notification",
    )


def _reason_not_to_send(notification: Notification, now: dt.datetime) -> tuple[str, str] | None:
    """(status, reason) when the row must not go out as it stands; None when it may."""
    reservation = notification.reservation
    jobseeker = notification.jobseeker
    if jobseeker is not None and jobseeker.anonymised_at is not None:
        return NotificationStatus.SKIPPED, gettext_noop("The jobseeker's data was anonymised.")
    try:
        validate_email(notification.recipient)
    except ValidationError:
        # Never handed to the provider: a malformed address would only bounce, or worse.
        return NotificationStatus.FAILED, gettext_noop("The email address is not valid.")
    if notification.kind in LINK_KINDS:
        return _reason_not_to_send_link(notification, now)
    waiting = notification.waitlist_request
    if waiting is not None and waiting.withdrawn_at is not None:
        return NotificationStatus.SKIPPED, gettext_noop("The request was withdrawn.")
    if reservation is None or notification.kind not in (
        NotificationKind.INVITATION,
        NotificationKind.REMINDER,
    ):
        return None
    if reservation.status != ReservationStatus.CONFIRMED:
        return NotificationStatus.SKIPPED, gettext_noop("The reservation is no longer confirmed.")
    if notification.sequence != reservation.sequence:
        return NotificationStatus.SKIPPED, gettext_noop("The reservation changed since.")
    if notification.kind == NotificationKind.REMINDER and reservation.starts_at <= now:
        return NotificationStatus.SKIPPED, gettext_noop("The consultation has started.")
    if not reservation.meeting_url:
        # Art 6(3): never an invitation without its meeting URL; staff see why.
        problem = reservation.meeting_url_problem or gettext_noop("No meeting URL.")
        return NotificationStatus.FAILED, problem
    return None


def _reason_not_to_send_link(
    notification: Notification, now: dt.datetime
) -> tuple[str, str] | None:
    """A sign-in email goes out only while its link can still be used."""
    token = notification.sign_in_token
    if token is None:
        return NotificationStatus.SKIPPED, gettext_noop("The link was deleted.")
    if token.used_at is not None:
        return NotificationStatus.SKIPPED, gettext_noop("The link was used already.")
    if token.expires_at <= now:
        return NotificationStatus.SKIPPED, gettext_noop("The link expired before it could be sent.")
    return None


def _flag_recipient(notification: Notification, now: dt.datetime | None) -> None:
    if notification.jobseeker_id is None:
        return
    retry_on_disconnect(
        lambda: Jobseeker.objects.filter(
            pk=notification.jobseeker_id, email=notification.recipient, email_problem=""
        ).update(email_problem=EmailProblem.BOUNCED, email_problem_at=db_time(now)),
        label="flagging a refused address",
    )


def _load(notification_id: int) -> Notification:
    return Notification.objects.select_related(
        "reservation__office",
        "reservation__slot__counselor",
        "reservation__jobseeker",
        "jobseeker__office",
        "sign_in_token",
        "waitlist_request",
    ).get(pk=notification_id)


def _mark_sent(notification_id: int, message_id: str, now: dt.datetime | None) -> int:
    # Marked sent even if the sweep re-queued the row meanwhile (a send slower than the lease):
    # the re-queued task then finds it sent and does nothing.
    at = db_time(now)
    return (
        Notification.objects.filter(pk=notification_id)
        .exclude(status=NotificationStatus.SENT)
        .update(
            status=NotificationStatus.SENT,
            sent_at=at,
            provider_message_id=message_id[:200],
            last_error="",
            next_attempt_at=None,
            updated_at=at,
        )
    )


def notification_send(*, notification_id: int, now: dt.datetime | None = None) -> SendResult:
    """Send one notification if it is still due; safe to call twice, and concurrently.

    Every statement is retried when the database connection drops (a PostgreSQL restart):
    the claim, so that the send is not left to the sweep; and above all the `sent` mark after
    the provider accepted, whose loss would send the email again after the lease. `now` is for
    tests; by default the database's clock decides (the claim's time is then read back).
    """
    claimed = retry_on_disconnect(
        lambda: notification_claim(notification_id=notification_id, now=now),
        label="claiming a notification",
    )
    if not claimed:
        return SendResult(Outcome.NOT_CLAIMED)
    notification = retry_on_disconnect(
        lambda: _load(notification_id), label="loading a notification"
    )
    moment = now or notification.sending_started_at
    kind = notification.kind

    refusal = _reason_not_to_send(notification, moment)
    if refusal is not None:
        status, reason = refusal
        _finish(notification, status, reason, now)
        logger.warning("notification %s id=%s kind=%s", status, notification_id, kind)
        return SendResult(
            Outcome.SKIPPED if status == NotificationStatus.SKIPPED else Outcome.FAILED
        )

    try:
        message = notification_message(notification, now=moment)
    except Exception as exc:  # a template or data bug: retrying will not fix it
        logger.exception("notification render failed id=%s kind=%s", notification_id, kind)
        _finish(notification, NotificationStatus.FAILED, f"render: {_describe(exc)}", now)
        return SendResult(Outcome.FAILED)

    try:
        message.send()
    except Exception as exc:
        if not is_duplicate_refusal(exc, notification):
            return _after_error(notification, exc, now)
        # The provider refused the idempotency key it accepted on an earlier attempt whose
        # answer was lost: that attempt's email went out, and this one is not sent again.
        logger.warning("notification accepted earlier id=%s kind=%s", notification_id, kind)

    status = getattr(message, "anymail_status", None)
    message_id = getattr(status, "message_id", None)
    if message_id is None or isinstance(message_id, set):
        message_id = message_id_for(notification)
    # The provider has the email: losing this mark would send it again after the lease, so it
    # waits out a database restart longer than the other statements do.
    updated = retry_on_disconnect(
        lambda: _mark_sent(notification_id, str(message_id), now),
        delays=MARK_SENT_DELAYS,
        label="marking a notification sent",
    )
    if not updated:
        logger.warning("notification sent twice id=%s kind=%s", notification_id, kind)
    logger.info(
        "notification sent id=%s kind=%s attempt=%s", notification_id, kind, notification.attempts
    )
    return SendResult(Outcome.SENT)


def _after_error(notification: Notification, exc: Exception, now: dt.datetime | None) -> SendResult:
    kind = notification.kind
    if not _is_temporary(exc):
        _finish(notification, NotificationStatus.FAILED, _describe(exc), now)
        if _is_recipient_refusal(exc):
            _flag_recipient(notification, now)
        logger.warning(
            "notification refused id=%s kind=%s error=%s",
            notification.pk,
            kind,
            type(exc).__name__,
        )
        return SendResult(Outcome.FAILED)
    if notification.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
        reason = f"gave up after {notification.attempts} attempts: {_describe(exc)}"
        _finish(notification, NotificationStatus.FAILED, reason, now)
        logger.error("notification gave up id=%s kind=%s", notification.pk, kind)
        return SendResult(Outcome.FAILED)
    delay = retry_delay(notification.attempts)
    # Due again on the database's clock: the sweep that honours it may run on another host.
    at = db_time(now)
    retry_on_disconnect(
        lambda: Notification.objects.filter(_still_holding(notification)).update(
            status=NotificationStatus.QUEUED,
            last_error=_describe(exc),
            next_attempt_at=at + dt.timedelta(seconds=delay),
            updated_at=at,
        ),
        label="re-queueing a notification",
    )
    logger.warning(
        "notification temporary failure id=%s kind=%s attempt=%s error=%s retry_in=%.1fs",
        notification.pk,
        kind,
        notification.attempts,
        type(exc).__name__,
        delay,
    )
    return SendResult(Outcome.RETRY, retry_in=delay)
