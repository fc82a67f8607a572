"""Calendar entries for a reservation: the .ics attachment and add-to-calendar links.

`reservation_ics(reservation)` returns the bytes of a calendar (METHOD:REQUEST by default; the
cancellation email uses METHOD:CANCEL). The UID is stable per reservation and SEQUENCE is the
reservation's `sequence`, which every change a calendar must see increments (a cancellation
bumps it), so calendar programs update or remove the event they already hold (RFC 5546).
"""

import datetime as dt
import functools
from urllib.parse import urlencode

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Alarm, Calendar, Event, Timezone, vCalAddress, vText

from core.calendar import TOKYO

from .links import reservation_page_url, site_domain

PRODID = "-//Hello Work//Online job consultation//JA"
# Reminder of the calendar program, before the start: time to open the video app and test it.
ALARM_BEFORE = dt.timedelta(minutes=30)
METHOD_REQUEST = "REQUEST"
METHOD_CANCEL = "CANCEL"
METHOD_PUBLISH = "PUBLISH"
_METHODS = {METHOD_REQUEST, METHOD_CANCEL, METHOD_PUBLISH}


@functools.cache
def _tokyo_vtimezone() -> Timezone:
    return Timezone.from_tzinfo(TOKYO)


def reservation_uid(reservation) -> str:
    """The same for every version of one reservation, so calendars update rather than add."""
    return f"reservation-{reservation.reference}@{site_domain()}"


def _office_name(office, language: str) -> str:
    if language.startswith("en") and office.name_en:
        return office.name_en
    return office.name


def event_title(reservation, language: str) -> str:
    with translation.override(language):
        return _("Online job consultation (%(office)s)") % {
            "office": _office_name(reservation.office, language)
        }


def link_details(reservation, language: str) -> str:
    """The short text an add-to-calendar link carries (a link stays a readable length)."""
    office = reservation.office
    with translation.override(language):
        return "\n".join(
            [
                _("Meeting URL: %(url)s") % {"url": reservation.meeting_url or "-"},
                _("Reference: %(reference)s") % {"reference": reservation.reference},
                _("To cancel, or if you will be late, phone %(office)s: %(phone)s")
                % {"office": _office_name(office, language), "phone": office.phone},
            ]
        )


def event_details(reservation, language: str, *, page_url: str | None = None) -> str:
    """Plain text for the calendar entry: the meeting URL, the reference, the office's phone."""
    office = reservation.office
    page_url = page_url or reservation_page_url(reservation)
    with translation.override(language):
        lines = [
            _("Meeting URL: %(url)s") % {"url": reservation.meeting_url or "-"},
            _("Video app: %(app)s") % {"app": office.video_app_name},
            _("Reference: %(reference)s") % {"reference": reservation.reference},
            _("Your reservation: %(url)s") % {"url": page_url},
            _("To cancel, or if you will be late, phone %(office)s: %(phone)s")
            % {"office": _office_name(office, language), "phone": office.phone},
            _(
                "Without contact, the reservation is cancelled 10 minutes after the start "
                "(Article 6(5))."
            ),
        ]
    return "\n".join(lines)


def _organizer(office) -> vCalAddress:
    address = vCalAddress(f"mailto:{office.email or settings.DEFAULT_FROM_EMAIL}")
    address.params["cn"] = vText(office.name)
    return address


def _attendee(reservation) -> vCalAddress:
    address = vCalAddress(f"mailto:{reservation.jobseeker.email}")
    address.params["role"] = vText("REQ-PARTICIPANT")
    address.params["rsvp"] = vText("FALSE")
    return address


def reservation_ics(
    reservation,
    *,
    method: str = METHOD_REQUEST,
    sequence: int | None = None,
    language: str | None = None,
    now: dt.datetime | None = None,
    title: str | None = None,
    details: str | None = None,
) -> bytes:
    """The calendar for `reservation` as bytes (text/calendar, UTF-8).

    `method` is REQUEST (the invitation), CANCEL (the cancellation: STATUS:CANCELLED) or PUBLISH
    (a download from a web page). `sequence` defaults to the reservation's. `title` and
    `details` may be passed when the caller has them already (an email builds them once).
    """
    if method not in _METHODS:
        raise ValueError(f"unknown iTIP method {method!r}")
    now = now or timezone.now()
    language = language or reservation.jobseeker.preferred_language or "ja"
    office = reservation.office
    cancelled = method == METHOD_CANCEL
    title = title or event_title(reservation, language)
    details = details or event_details(reservation, language)

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    calendar.add_component(_tokyo_vtimezone())

    event = Event()
    event.add("uid", reservation_uid(reservation))
    event.add("sequence", reservation.sequence if sequence is None else sequence)
    event.add("dtstamp", now.astimezone(dt.UTC))
    event.add("dtstart", reservation.starts_at.astimezone(TOKYO))
    event.add("dtend", reservation.ends_at.astimezone(TOKYO))
    event.add("summary", title)
    event.add("description", details)
    if reservation.meeting_url:
        event.add("location", reservation.meeting_url)
        event.add("url", reservation.meeting_url)
    event.add("organizer", _organizer(office))
    event.add("attendee", _attendee(reservation))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    if not cancelled:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("trigger", -ALARM_BEFORE)
        alarm.add("description", title)
        event.add_component(alarm)
    calendar.add_component(event)
    return calendar.to_ical()


def _utc_stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def google_calendar_url(
    reservation,
    *,
    language: str | None = None,
    title: str | None = None,
    details: str | None = None,
) -> str:
    """A link that opens Google Calendar's new-event form filled with the reservation."""
    language = language or reservation.jobseeker.preferred_language or "ja"
    query = urlencode(
        {
            "action": "TEMPLATE",
            "text": title or event_title(reservation, language),
            "dates": f"{_utc_stamp(reservation.starts_at)}/{_utc_stamp(reservation.ends_at)}",
            "details": details or link_details(reservation, language),
            "location": reservation.meeting_url,
            "ctz": "Asia/Tokyo",
        }
    )
    return f"https://calendar.google.com/calendar/render?{query}"


def outlook_calendar_url(
    reservation,
    *,
    language: str | None = None,
    office365: bool = False,
    title: str | None = None,
    details: str | None = None,
) -> str:
    """A link that opens Outlook on the web's compose form (outlook.com, or Microsoft 365)."""
    language = language or reservation.jobseeker.preferred_language or "ja"
    host = "outlook.office.com" if office365 else "outlook.live.com"
    query = urlencode(
        {
            "path": "/calendar/action/compose",
            "rru": "addevent",
            "subject": title or event_title(reservation, language),
            "startdt": reservation.starts_at.astimezone(TOKYO).isoformat(),
            "enddt": reservation.ends_at.astimezone(TOKYO).isoformat(),
            "body": details or link_details(reservation, language),
            "location": reservation.meeting_url,
        }
    )
    return f"https://{host}/calendar/0/deeplink/compose?{query}"
