"""Reads the admin pages share: what has not gone out, and why."""

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery

from bookings.models import ReservationStatus

from .models import (
    Notification,
    NotificationKind,
    NotificationStatus,
    PendingInvitation,
)


def notifications_for_offices(offices) -> QuerySet[Notification]:
    """Art 9: a notification belongs to its reservation's office, else its jobseeker's."""
    return Notification.objects.filter(
        Q(reservation__office__in=offices)
        | Q(reservation__isnull=True, jobseeker__office__in=offices)
    )


def invitations_not_sent(offices) -> QuerySet[PendingInvitation]:
    """Confirmed reservations of `offices` whose current invitation has not been sent (Art 6(3)).

    Annotated with the invitation's status and last error (both None when no invitation row
    exists, which happens when the reservation has no meeting URL: `meeting_url_problem` says why).
    """
    invitations = Notification.objects.filter(
        reservation=OuterRef("pk"),
        kind=NotificationKind.INVITATION,
        sequence=OuterRef("sequence"),
    )
    return (
        PendingInvitation.objects.filter(office__in=offices, status=ReservationStatus.CONFIRMED)
        .exclude(Exists(invitations.filter(status=NotificationStatus.SENT)))
        .annotate(
            invitation_id=Subquery(invitations.values("pk")[:1]),
            invitation_status=Subquery(invitations.values("status")[:1]),
            invitation_error=Subquery(invitations.values("last_error")[:1]),
        )
        .select_related("office", "slot__counselor")
    )
