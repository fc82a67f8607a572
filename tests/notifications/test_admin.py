"""Admin: invitations not sent (with how long and why), failed notifications, re-sending."""

import pytest
from django.contrib.auth.models import Permission

from notifications.models import Notification, NotificationStatus
from notifications.services.outbox import invitation_queue
from tests.factories import (
    CounselorFactory,
    OfficeFactory,
    ReservationFactory,
    SlotFactory,
    StaffProfileFactory,
    UserFactory,
)
from tests.helpers import sends_enqueued, staff_login

pytestmark = pytest.mark.django_db

PENDING_URL = "/admin/notifications/pendinginvitation/"
LIST_URL = "/admin/notifications/notification/"


def _staff(office):
    profile = StaffProfileFactory(office=office)
    profile.user.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["view_notification", "view_pendinginvitation", "view_trackingevent"]
        )
    )
    return profile.user


def _reservation(office, **kwargs):
    counselor = CounselorFactory(office=office)
    return ReservationFactory(slot=SlotFactory(counselor=counselor), **kwargs)


def test_staff_see_their_offices_invitations_not_sent_with_the_reason(client):
    mine, other = OfficeFactory(), OfficeFactory()
    waiting = _reservation(mine)
    invitation_queue(reservation=waiting)
    broken = _reservation(
        mine, meeting_url="", meeting_url_problem="The counselor has no personal meeting room URL."
    )
    done = _reservation(mine)
    Notification.objects.filter(pk=invitation_queue(reservation=done).pk).update(
        status=NotificationStatus.SENT, sent_at=done.created_at
    )
    elsewhere = _reservation(other)
    invitation_queue(reservation=elsewhere)

    response = staff_login(client, _staff(mine)).get(PENDING_URL)

    assert response.status_code == 200
    page = response.content.decode()
    assert waiting.reference in page
    assert broken.reference in page
    assert "相談員の個人ミーティングルームURLが登録されていません。" in page
    assert done.reference not in page
    assert elsewhere.reference not in page


def test_failed_notifications_show_their_reason_to_their_office_only(client):
    mine, other = OfficeFactory(), OfficeFactory()
    failed = invitation_queue(reservation=_reservation(mine))
    Notification.objects.filter(pk=failed.pk).update(
        status=NotificationStatus.FAILED, last_error="AnymailRecipientsRefused: rejected"
    )
    hidden = invitation_queue(reservation=_reservation(other))

    response = staff_login(client, _staff(mine)).get(LIST_URL, {"status__exact": "failed"})

    page = response.content.decode()
    assert "AnymailRecipientsRefused: rejected" in page
    assert f"/{failed.pk}/change/" in page
    assert f"/{hidden.pk}/change/" not in page
    assert client.get(f"{LIST_URL}{hidden.pk}/change/").status_code == 404


def test_the_resend_action_queues_a_failed_notification_again(
    client, django_capture_on_commit_callbacks
):
    office = OfficeFactory()
    failed = invitation_queue(reservation=_reservation(office))
    Notification.objects.filter(pk=failed.pk).update(
        status=NotificationStatus.FAILED, attempts=3, last_error="x"
    )
    staff_login(client, _staff(office))

    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            LIST_URL, {"action": "resend", "_selected_action": [failed.pk]}, follow=True
        )

    assert response.status_code == 200
    failed.refresh_from_db()
    assert failed.status == NotificationStatus.QUEUED
    assert failed.attempts == 0
    assert len(sends_enqueued(callbacks)) == 1


def test_the_pending_list_can_make_the_meeting_url_again_and_queue_the_invitation(client):
    office = OfficeFactory()
    reservation = _reservation(office, meeting_url="", meeting_url_problem="x")
    staff_login(client, _staff(office))

    response = client.post(
        PENDING_URL,
        {"action": "send_invitation", "_selected_action": [reservation.pk]},
        follow=True,
    )

    assert response.status_code == 200
    reservation.refresh_from_db()
    assert reservation.meeting_url == reservation.slot.counselor.meeting_room_url
    assert reservation.meeting_url_problem == ""
    assert Notification.objects.filter(reservation=reservation).count() == 1


def test_someone_without_an_office_sees_nothing(client):
    notification = invitation_queue(reservation=_reservation(OfficeFactory()))
    user = UserFactory()
    user.user_permissions.add(*Permission.objects.filter(codename="view_notification"))
    response = staff_login(client, user).get(LIST_URL)
    assert response.status_code == 200
    assert f"/{notification.pk}/change/" not in response.content.decode()
