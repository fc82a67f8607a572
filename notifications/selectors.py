"""Reads the admin pages share: what has not gone out, and why."""

import datetime as dt

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery

from bookings.models import Reservation, ReservationStatus
from offices.models import Office

from .models import (
    Notification,
    NotificationKind,
    NotificationStatus,
    PendingInvitation,
)


def notification_office_q(offices, prefix: str = "") -> Q:
    """Art 9: a notification belongs to its reservation's office, else its jobseeker's (one
    with neither, a sign-in email to an address typed by anyone, belongs to no office)."""
    return Q(**{f"{prefix}reservation__office__in": offices}) | Q(
        **{f"{prefix}reservation__isnull": True, f"{prefix}jobseeker__office__in": offices}
    )


def invitations_not_sent(offices) -> QuerySet[PendingInvitation]:
    """Confirmed reservations of `offices` whose current invitation has not been sent (Art 6(3))."""
    return invitations_not_sent_among(PendingInvitation.objects.filter(office__in=offices))


def invitations_not_sent_among(reservations: QuerySet) -> QuerySet[PendingInvitation]:
    """Those of `reservations` that are confirmed and whose invitation has not been sent.

    Annotated with the invitation's status and last error (both None when no invitation row
    exists, which happens when the reservation has no meeting URL: `meeting_url_problem` says why).
    """
    invitations = Notification.objects.filter(
        reservation=OuterRef("pk"),
        kind=NotificationKind.INVITATION,
        sequence=OuterRef("sequence"),
    )
    return (
        reservations.filter(status=ReservationStatus.CONFIRMED)
        .exclude(Exists(invitations.filter(status=NotificationStatus.SENT)))
        .annotate(
            invitation_id=Subquery(invitations.values("pk")[:1]),
            invitation_status=Subquery(invitations.values("status")[:1]),
            invitation_error=Subquery(invitations.values("last_error")[:1]),
        )
        .select_related("office", "slot__counselor")
    )


def invitation_sent(*, reservation: Reservation) -> bool:
    """Whether the invitation of the reservation's current version has gone out (Art 6(3))."""
    return Notification.objects.filter(
        reservation=reservation,
        kind=NotificationKind.INVITATION,
        status=NotificationStatus.SENT,
    ).exists()


def _invitation_of_version():
    return Notification.objects.filter(
        kind=NotificationKind.INVITATION,
        reservation=OuterRef("pk"),
        sequence=OuterRef("sequence"),
    )


def with_invitation_status(queryset: QuerySet[Reservation]) -> QuerySet[Reservation]:
    """Annotate `invitation_status`: the outbox status of the current version's invitation."""
    return queryset.annotate(
        invitation_status=Subquery(_invitation_of_version().values("status")[:1])
    )


def invitation_unsent_q() -> Q:
    """Art 6(3): a confirmed reservation whose current invitation has not gone out (yet)."""
    sent = _invitation_of_version().filter(status=NotificationStatus.SENT)
    return Q(status=ReservationStatus.CONFIRMED) & ~Q(Exists(sent))


def reservations_invitation_unsent(
    *, offices: QuerySet[Office], now: dt.datetime
) -> QuerySet[Reservation]:
    return Reservation.objects.filter(invitation_unsent_q(), office__in=offices, starts_at__gt=now)
