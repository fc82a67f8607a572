"""Building one email from its three templates (healthchecks' hc/lib/emails.py).

Each kind is `templates/emails/<kind>-subject.txt`, `-body.txt` and `-body.html`, rendered in
the recipient's language. Nothing a person typed reaches a header: the subject holds only
translated text and the reservation reference, and every header value is collapsed to one line.
"""

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass, field
from email.utils import formataddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone, translation

from bookings.checklist import CHECKLIST_ITEMS
from bookings.models import SLOT_LENGTH
from core.calendar import format_jp_date, format_jp_range
from jobseekers.signin import SIGN_IN_LIFETIME, sign_in_url

from .errors import NotificationError
from .ics import (
    METHOD_CANCEL,
    METHOD_REQUEST,
    event_details,
    event_title,
    google_calendar_url,
    link_details,
    outlook_calendar_url,
    reservation_ics,
)
from .links import (
    booking_day_url,
    booking_start_url,
    identify_returning_url,
    identify_url,
    my_reservations_url,
    reservation_page_url,
    site_domain,
    site_url,
    waitlist_withdraw_url,
)
from .models import LINK_KINDS, WAITLIST_KINDS, Notification, NotificationKind

MAX_HEADER = 200
# Which calendar method each kind attaches (none for the others), and the file's name: a
# cancellation's file is not called invitation.ics.
ICS_METHODS = {
    NotificationKind.INVITATION: METHOD_REQUEST,
    NotificationKind.CANCELLATION: METHOD_CANCEL,
}
ICS_FILENAMES = {
    NotificationKind.INVITATION: "invitation.ics",
    NotificationKind.CANCELLATION: "cancellation.ics",
}


def one_line(value: str, limit: int = MAX_HEADER) -> str:
    """A header-safe value: CR, LF and every other run of whitespace become one space."""
    return " ".join(str(value).split())[:limit]


def message_id_for(notification: Notification) -> str:
    """The same Message-ID on every attempt: mail programs that see a duplicate can fold it."""
    digest = hashlib.sha256(notification.idempotency_key.encode()).hexdigest()[:16]
    return f"<notification-{notification.pk}-{digest}@{site_domain()}>"


def idempotency_key_for(notification: Notification) -> str:
    """The key a provider that de-duplicates sends (Brevo) sees on every attempt of this row.

    The same on each attempt, so a retry after an uncertain hand-over (a timeout, a worker
    killed before it recorded the answer) is dropped by the provider instead of delivered twice;
    a new one when staff send the row again (`resends`) or to another address, which must go
    out. A UUID, as Brevo requires.
    """
    name = f"{site_domain()}/{notification.idempotency_key}/{notification.pk}"
    name += f"/{notification.resends}/{notification.recipient.casefold()}"
    return str(uuid.uuid5(uuid.NAMESPACE_URL, name))


def _office_name(office, language: str) -> str:
    return office.name_en if language.startswith("en") and office.name_en else office.name


def _checklist(reservation) -> list[str]:
    confirmed = reservation.environment_checklist or {}
    return [str(label) for key, label in CHECKLIST_ITEMS if confirmed.get(key) is True]


class LinkUnavailable(NotificationError):
    """The one-time link of a sign-in email cannot be derived (the secret key changed)."""

    code = "link_unavailable"


def _sender_office(notification: Notification):
    """The office an email speaks for: the reservation's, else the jobseeker's (not for the
    sign-in emails whose recipient may be anyone who typed an address)."""
    if notification.reservation is not None:
        return notification.reservation.office
    # The registered email, and a sign-in link sent to the number's own address (then the
    # jobseeker is known): signed by their office, with its phone number.
    known = (NotificationKind.REGISTERED, NotificationKind.SIGN_IN, *WAITLIST_KINDS)
    if notification.kind in known and notification.jobseeker is not None:
        return notification.jobseeker.office
    return None


def _waitlist_context(waiting, language: str) -> dict:
    """The days a 「空きが出たら知らせる」 request covers, the day a time freed up on, the links."""
    first = format_jp_date(waiting.first_day, language)
    days = first
    if waiting.last_day != waiting.first_day:
        dash = " – " if language.startswith("en") else "〜"
        days = f"{first}{dash}{format_jp_date(waiting.last_day, language)}"
    offered = waiting.offered_day or waiting.first_day
    return {
        "waitlist_days": days,
        "offered_day": format_jp_date(offered, language),
        "day_url": booking_day_url(offered),
        "withdraw_url": waitlist_withdraw_url(waiting),
    }


def _context(notification: Notification, language: str) -> dict:
    reservation = notification.reservation
    context = {
        "notification": notification,
        "jobseeker": notification.jobseeker,
        "site_url": site_url(),
        "booking_url": booking_start_url(),
        "identify_url": identify_url(),
        "returning_url": identify_returning_url(),
        "mine_url": my_reservations_url(),
        "language": language,
    }
    if notification.kind in LINK_KINDS:
        link = sign_in_url(notification.sign_in_token)
        if link is None:
            raise LinkUnavailable()
        context.update(link=link, minutes=int(SIGN_IN_LIFETIME.total_seconds() // 60))
    waiting = notification.waitlist_request
    if notification.kind in WAITLIST_KINDS and waiting is not None:
        context.update(_waitlist_context(waiting, language))
    office = _sender_office(notification)
    if office is not None and reservation is None:
        context.update(office=office, office_name=_office_name(office, language))
    if reservation is not None:
        office = reservation.office
        page_url = reservation_page_url(reservation)
        # Built once and shared by the links and the .ics (three copies cost a third of a send).
        calendar_text = {
            "title": event_title(reservation, language),
            "details": event_details(reservation, language, page_url=page_url),
        }
        context.update(
            reservation=reservation,
            office=office,
            office_name=_office_name(office, language),
            when=format_jp_range(reservation.starts_at, reservation.ends_at, language),
            reservation_url=page_url,
            checklist=_checklist(reservation),
            calendar_text=calendar_text,
        )
        if notification.kind == NotificationKind.INVITATION:
            if reservation.rescheduled_from is not None and notification.sequence > 0:
                # The invitation of a reservation whose time the jobseeker changed.
                context["previous_when"] = format_jp_range(
                    reservation.rescheduled_from,
                    reservation.rescheduled_from + SLOT_LENGTH,
                    language,
                )
            short = {
                "title": calendar_text["title"],
                "details": link_details(reservation, language),
            }
            context.update(
                google_url=google_calendar_url(reservation, language=language, **short),
                outlook_url=outlook_calendar_url(reservation, language=language, **short),
            )
    return context


def _headers(notification: Notification) -> dict[str, str]:
    headers = {"Message-ID": message_id_for(notification)}
    if settings.EMAIL_IDEMPOTENCY_HEADER:
        # anymail passes extra headers to the provider's API (Brevo: `headers.idempotencyKey`).
        headers[settings.EMAIL_IDEMPOTENCY_HEADER] = idempotency_key_for(notification)
    return headers


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str
    # The event's title and details, shared with the .ics (empty without a reservation).
    calendar_text: dict = field(default_factory=dict)


def email_render(notification: Notification) -> RenderedEmail:
    """The one email renderer: `notification`'s kind from its three templates, in its language.

    Sending and every preview (the terms notice on the admin's preview page) render through
    it, so a preview is the email as sent. `notification` may be unsaved.
    """
    language = notification.language or settings.LANGUAGE_CODE
    base = f"emails/{notification.kind}"
    with translation.override(language):
        context = _context(notification, language)
        return RenderedEmail(
            subject=one_line(render_to_string(f"{base}-subject.txt", context)),
            text=render_to_string(f"{base}-body.txt", context),
            html=render_to_string(f"{base}-body.html", context),
            calendar_text=context.get("calendar_text", {}),
        )


def notification_message(
    notification: Notification, *, now: dt.datetime | None = None
) -> EmailMultiAlternatives:
    """The email for `notification`, text and HTML, with its .ics where the kind has one."""
    now = now or timezone.now()
    language = notification.language or settings.LANGUAGE_CODE
    rendered = email_render(notification)
    subject, text, html = rendered.subject, rendered.text, rendered.html
    calendar_text = rendered.calendar_text
    reservation = notification.reservation
    from_email = settings.DEFAULT_FROM_EMAIL
    reply_to = []
    office = _sender_office(notification)
    if office is not None:
        from_email = formataddr(
            (one_line(_office_name(office, language), 80), settings.DEFAULT_FROM_EMAIL)
        )
        if office.email:
            reply_to = [office.email]
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=from_email,
        to=[notification.recipient],
        reply_to=reply_to,
        headers=_headers(notification),
    )
    message.attach_alternative(html, "text/html")
    method = ICS_METHODS.get(notification.kind)
    if method is not None and reservation is not None:
        calendar = reservation_ics(
            reservation,
            method=method,
            sequence=notification.sequence,
            language=language,
            now=now,
            **calendar_text,
        )
        message.attach(
            ICS_FILENAMES[notification.kind],
            calendar,
            f"text/calendar; method={method}; charset=UTF-8",
        )
    # Read by anymail (ignored by plain SMTP): lets the tracking webhook find the row.
    message.metadata = {"notification_id": str(notification.pk)}
    message.tags = [str(notification.kind)]
    return message
