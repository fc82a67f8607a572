"""A reservation as staff read it: the summary, the checklist as sentences, and its history.

Shared by the reservation's change page, the session page and the counselor's day. Times
are written in Japan time as the jobseekers' pages write them (`core.calendar`); choices are
shown by their labels, never their codes; the checklist by the items' sentences, never JSON.
Every row read here is read within the user's offices (`scoped_queryset`).
"""

import datetime as dt
from dataclasses import dataclass, field

from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from bookings.checklist import CHECKLIST_ITEMS
from bookings.models import CancelChannel, Reservation, ReservationSource, ReservationStatus
from core.calendar import format_jp_datetime, format_jp_range
from jobseekers.models import AuditAction, AuditEntry
from notifications.models import (
    Notification,
    NotificationKind,
    NotificationStatus,
)
from offices.admin_scope import scoped_queryset


def person(user) -> str:
    """A staff user as colleagues know them: the counselor's name, else the full name."""
    if user is None:
        return _("System")
    counselor = getattr(user, "counselor", None)
    if counselor is not None:
        return counselor.display_name
    return user.get_full_name() or user.get_username()


@dataclass(frozen=True)
class HistoryEvent:
    at: dt.datetime
    what: str
    who: str
    detail: str = ""

    @property
    def when(self) -> str:
        return format_jp_datetime(self.at)


@dataclass
class ReservationSummary:
    reservation: Reservation
    when: str
    status: str
    source: str
    attendants: list[str]
    checklist: list[str]
    checklist_missing: list[str]
    invitation: str
    invitation_sent: bool
    late_notice: str
    history: list[HistoryEvent] = field(default_factory=list)


NOTIFICATION_SENT = {
    NotificationKind.INVITATION: lambda: _("Invitation email sent"),
    NotificationKind.REMINDER: lambda: _("Reminder email sent"),
    NotificationKind.CANCELLATION: lambda: _("Cancellation email sent"),
    NotificationKind.NO_SHOW: lambda: _("No-show notice sent"),
}


def invitation_state(status: str | None) -> str:
    """The current invitation's outbox status, as a word staff read."""
    if not status:
        return _("Not queued")
    return str(dict(NotificationStatus.choices).get(status, status))


def attendants(reservation: Reservation) -> list[str]:
    """Who else attends (Art 13(3)): the interpreter's language, the assistant."""
    found = []
    if reservation.interpreter_language:
        found.append(
            _("Interpreter: %(language)s") % {"language": reservation.interpreter_language}
        )
    if reservation.assistant_attends:
        found.append(_("An assistant attends"))
    return found


def late_notice(reservation: Reservation) -> str:
    if reservation.late_notice_at is None:
        return ""
    text = _("Late notice received %(when)s") % {
        "when": format_jp_datetime(reservation.late_notice_at)
    }
    if reservation.late_notice_note:
        text += f"（{reservation.late_notice_note}）"
    return text


def checklist_lines(checklist: dict | None) -> tuple[list[str], list[str]]:
    """The items the jobseeker confirmed, and those they did not, as their sentences."""
    checklist = checklist or {}
    confirmed = [str(label) for key, label in CHECKLIST_ITEMS if checklist.get(key) is True]
    missing = [str(label) for key, label in CHECKLIST_ITEMS if checklist.get(key) is not True]
    return confirmed, missing


def _audit_actors(request: HttpRequest, reservation: Reservation) -> dict[str, list[AuditEntry]]:
    entries = (
        scoped_queryset(request, AuditEntry)
        .filter(
            target=f"reservation:{reservation.pk}",
            action__in=[AuditAction.SESSION_START, AuditAction.SESSION_END, AuditAction.NO_SHOW],
        )
        .select_related("actor__counselor")
        .order_by("at")
    )
    found: dict[str, list[AuditEntry]] = {}
    for entry in entries:
        found.setdefault(entry.action, []).append(entry)
    return found


def _actor_of(entries: dict[str, list[AuditEntry]], action: str) -> str:
    chosen = entries.get(action)
    return person(chosen[-1].actor) if chosen else _("System")


def reservation_history(request: HttpRequest, reservation: Reservation) -> list[HistoryEvent]:
    """Booked, emails sent, late notice, started, ended, no-show, cancelled: who and when."""
    events: list[HistoryEvent] = []
    if reservation.source == ReservationSource.WEB and reservation.created_by is None:
        booked_by = _("The jobseeker (web)")
    else:
        booked_by = person(reservation.created_by)
    what = (
        _("Booked during a consultation")
        if reservation.source == ReservationSource.IN_SESSION
        else pgettext("reservation history", "Booked")
    )
    events.append(HistoryEvent(at=reservation.created_at, what=what, who=booked_by))
    notifications = scoped_queryset(request, Notification).filter(reservation=reservation)
    for notification in notifications.order_by("queued_at"):
        label = NOTIFICATION_SENT.get(notification.kind)
        if label is None:
            continue
        if notification.status == NotificationStatus.SENT and notification.sent_at:
            events.append(HistoryEvent(at=notification.sent_at, what=label(), who=_("System")))
        elif notification.status == NotificationStatus.FAILED:
            events.append(
                HistoryEvent(
                    at=notification.failed_at or notification.updated_at,
                    what=_("%(kind)s: sending failed") % {"kind": notification.get_kind_display()},
                    who=_("System"),
                )
            )
    if reservation.late_notice_at is not None:
        caller = reservation.late_notice_caller
        events.append(
            HistoryEvent(
                at=reservation.late_notice_at,
                what=_("Late notice"),
                who=person(reservation.late_notice_by),
                detail=(_("Called: %(caller)s") % {"caller": caller}) if caller else "",
            )
        )
    actors = _audit_actors(request, reservation)
    if reservation.started_at is not None:
        events.append(
            HistoryEvent(
                at=reservation.started_at,
                what=_("Consultation started"),
                who=_actor_of(actors, AuditAction.SESSION_START),
            )
        )
    if reservation.ended_at is not None:
        early = reservation.status == ReservationStatus.ENDED_EARLY
        events.append(
            HistoryEvent(
                at=reservation.ended_at,
                what=_("Consultation ended early") if early else _("Consultation ended"),
                who=_actor_of(actors, AuditAction.SESSION_END),
            )
        )
    if reservation.no_show_at is not None:
        events.append(
            HistoryEvent(
                at=reservation.no_show_at,
                what=_("Recorded as a no-show"),
                who=_actor_of(actors, AuditAction.NO_SHOW),
            )
        )
    if reservation.cancelled_at is not None:
        channel = dict(CancelChannel.choices).get(reservation.cancel_channel, "")
        events.append(
            HistoryEvent(
                at=reservation.cancelled_at,
                what=_("Cancelled"),
                who=(
                    person(reservation.cancelled_by)
                    if reservation.cancelled_by is not None
                    or reservation.cancel_channel != CancelChannel.WEB
                    else _("The jobseeker (web)")
                ),
                detail=str(channel),
            )
        )
    return sorted(events, key=lambda event: event.at)


def _current_invitation_status(request: HttpRequest, reservation: Reservation) -> str | None:
    return (
        scoped_queryset(request, Notification)
        .filter(
            reservation=reservation,
            kind=NotificationKind.INVITATION,
            sequence=reservation.sequence,
        )
        .values_list("status", flat=True)
        .first()
    )


def reservation_summary(
    request: HttpRequest, reservation: Reservation, *, history: bool = True
) -> ReservationSummary:
    """Everything staff read about one reservation (already looked up within their offices)."""
    status = getattr(reservation, "invitation_status", None)
    if status is None:
        status = _current_invitation_status(request, reservation)
    confirmed, missing = checklist_lines(reservation.environment_checklist)
    return ReservationSummary(
        reservation=reservation,
        when=format_jp_range(reservation.starts_at, reservation.ends_at),
        status=reservation.get_status_display(),
        source=reservation.get_source_display(),
        attendants=attendants(reservation),
        checklist=confirmed,
        checklist_missing=missing,
        invitation=invitation_state(status),
        invitation_sent=status == NotificationStatus.SENT,
        late_notice=late_notice(reservation),
        history=reservation_history(request, reservation) if history else [],
    )
