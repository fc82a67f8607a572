"""Issue 20 end to end: an office on Zoom, Webex or Teams, its fake edge (respx, the only fake),
and the rest real: PostgreSQL, the booking services, the domain events, the outbox, the Celery
tasks run in this process as a worker runs them (every message the code publishes is executed),
the admin actions and the dashboard.

Done when: a web booking, a phone cancellation, a time change and a follow-up each make exactly
the calls expected (one create, one update, one delete), the invitation carries the service's
join URL, and a revoked credential sends no invitation and alerts staff.
"""

import datetime as dt

import pytest
import respx
from django.contrib.auth.models import Permission
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from bookings.models import CancelChannel, Reservation, ReservationSource, ReservationStatus
from bookings.services.moves import reservation_move
from bookings.services.reservations import (
    reservation_cancel,
    reservation_create,
    reservation_follow_up,
)
from bookings.services.sessions import noshow_sweep
from meetings.http import TOKENS
from notifications import queue, tasks  # noqa: F401 - tasks: registers the tasks run below
from notifications.models import Notification, NotificationKind, NotificationStatus
from offices.models import Office
from tests.factories import (
    ConsentFactory,
    CounselorFactory,
    JobseekerFactory,
    OfficeFactory,
    ReservationFactory,
    SlotFactory,
    StaffProfileFactory,
    TermsVersionFactory,
)
from tests.helpers import NO_DETAILS, send_queued, sign_in_client, staff_login
from tests.meetings.conftest import SECRETS
from tests.meetings.fakes import HOST, TEAMS_USER, FakeGraph, FakeWebex, FakeZoom, fault

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

FAKES = {"zoom": FakeZoom, "webex": FakeWebex, "teams": FakeGraph}
ACCOUNTS = {"zoom": HOST, "webex": HOST, "teams": TEAMS_USER}
PENDING_URL = "/admin/notifications/pendinginvitation/"
PATCHES_PER_CREATE = {"teams": 1}


class Broker:
    """What this process published, run as the worker runs it (Celery's `apply`: in process,
    a retry raised by a task runs it again at once)."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, tuple]] = []

    def send_task(self, name, args=(), countdown=None, **kwargs):
        self.messages.append((name, tuple(args)))

    def drain(self) -> list[str]:
        from celery import current_app

        ran = []
        while self.messages:
            name, args = self.messages.pop(0)
            current_app.tasks[name].apply(args=args)
            ran.append(name)
        return ran


@pytest.fixture
def broker(monkeypatch):
    fake = Broker()
    monkeypatch.setattr(queue, "current_app", fake)
    return fake


@pytest.fixture(autouse=True)
def _fresh_tokens():
    TOKENS.clear()
    yield
    TOKENS.clear()


@pytest.fixture
def edge():
    with respx.mock(assert_all_called=False) as mock:
        yield mock


def configure(monkeypatch, provider: str, bureau: str) -> None:
    for field, value in SECRETS[provider].items():
        monkeypatch.setenv(f"MEETINGS_{bureau.upper()}_{provider.upper()}_{field.upper()}", value)


class World:
    def __init__(self, provider: str, monkeypatch, edge) -> None:
        self.provider = provider
        self.office = OfficeFactory(
            meeting_url_mode=provider,
            meeting_url_template="https://video.example.go.jp/room/{token}",
            online_cancellation_allowed=True,
        )
        configure(monkeypatch, provider, self.office.bureau.code)
        self.counselor = CounselorFactory(office=self.office, meeting_account=ACCOUNTS[provider])
        self.jobseeker = JobseekerFactory(office=self.office)
        self.fake = FAKES[provider](edge)

    def slot(self, days: int = 7, hour: int = 1):
        start = (timezone.now() + dt.timedelta(days=days)).replace(
            hour=hour, minute=0, second=0, microsecond=0
        )
        return SlotFactory(counselor=self.counselor, starts_at=start)

    def calls(self) -> dict[str, int]:
        return {name: route.call_count for name, route in self.fake.routes.items()}

    def made(self) -> dict[str, int]:
        """The calls that change something at the service: create, update, delete."""
        counts = self.calls()
        create = counts["create"]
        return {
            "create": create,
            # Teams sets the terms' settings with a PATCH right after createOrGet.
            "update": counts["update"] - create * PATCHES_PER_CREATE.get(self.provider, 0),
            "delete": counts.get("delete", 0),
        }


def commit(callbacks_fixture):
    """Run what waits for the commit (pytest-django's test transaction never commits)."""
    return callbacks_fixture(execute=True)


def book(world: World, django_capture_on_commit_callbacks, **kwargs) -> Reservation:
    with django_capture_on_commit_callbacks(execute=True):
        return reservation_create(
            slot=world.slot(**kwargs),
            jobseeker=world.jobseeker,
            source=ReservationSource.STAFF,
        )


def run(broker, django_capture_on_commit_callbacks) -> list[str]:
    with django_capture_on_commit_callbacks(execute=True):
        ran = broker.drain()
    while broker.messages:
        with django_capture_on_commit_callbacks(execute=True):
            ran += broker.drain()
    return ran


def invitations() -> list[Notification]:
    return list(Notification.objects.filter(kind=NotificationKind.INVITATION).order_by("pk"))


@pytest.fixture(params=["zoom", "webex", "teams"])
def world(request, monkeypatch, edge, settings) -> World:
    settings.NOTIFICATION_SEND_GRACE = 0
    return World(request.param, monkeypatch, edge)


def test_a_booking_makes_one_meeting_and_the_invitation_carries_its_join_url(
    world, broker, django_capture_on_commit_callbacks
):
    reservation = book(world, django_capture_on_commit_callbacks)

    # Booked without a URL and without any call in the request: the invitation waits.
    assert world.made() == {"create": 0, "update": 0, "delete": 0}
    (waiting,) = invitations()
    assert waiting.status == NotificationStatus.WAITING
    assert waiting.last_error == "Waiting for the video service to make the meeting."
    assert send_queued() == 0

    run(broker, django_capture_on_commit_callbacks)

    assert world.made() == {"create": 1, "update": 0, "delete": 0}
    reservation.refresh_from_db()
    meeting = next(iter(world.fake.meetings.values()))
    assert reservation.meeting_provider == world.provider
    assert reservation.meeting_provider_id
    assert reservation.meeting_url.startswith("https://")
    assert reservation.meeting_url_problem == ""
    assert reservation.meeting_next_attempt_at is None
    (invitation,) = invitations()
    assert invitation.status == NotificationStatus.SENT
    (email,) = mail.outbox
    assert reservation.meeting_url in email.body
    if reservation.meeting_passcode:
        assert reservation.meeting_passcode in email.body
    # The title at the service is the reference, nothing personal.
    title = meeting.get("topic") or meeting.get("title") or meeting.get("subject")
    assert title == reservation.reference

    # A second task for the same reservation (a duplicate message) calls nothing.
    before = world.calls()
    broker.messages.append(("notifications.meeting_sync", (reservation.pk,)))
    run(broker, django_capture_on_commit_callbacks)
    assert world.calls() == before


def test_a_phone_cancellation_deletes_the_meeting_once(
    world, broker, django_capture_on_commit_callbacks
):
    reservation = book(world, django_capture_on_commit_callbacks)
    run(broker, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        reservation_cancel(
            reservation=reservation.pk,
            channel=CancelChannel.PHONE,
            caller="本人",
            called_at=timezone.now(),
            reason="体調不良",
        )
    run(broker, django_capture_on_commit_callbacks)

    assert world.made() == {"create": 1, "update": 0, "delete": 1}
    assert world.fake.meetings == {}
    reservation.refresh_from_db()
    assert reservation.meeting_provider_id == ""
    assert reservation.meeting_next_attempt_at is None


def move(reservation: Reservation, slot) -> None:
    """The jobseeker changes the time online (bookings' own service, `reservation_moved`)."""
    reservation_move(reservation=reservation.pk, slot=slot, jobseeker=reservation.jobseeker_id)


def test_a_time_change_updates_the_meeting_and_sends_the_new_invitation(
    world, broker, django_capture_on_commit_callbacks
):
    reservation = book(world, django_capture_on_commit_callbacks)
    run(broker, django_capture_on_commit_callbacks)
    send_queued()
    first_url = Reservation.objects.get(pk=reservation.pk).meeting_url

    with django_capture_on_commit_callbacks(execute=True):
        move(reservation, world.slot(days=8, hour=2))
    new = invitations()[-1]
    assert new.status == NotificationStatus.WAITING
    assert new.sequence == 1
    run(broker, django_capture_on_commit_callbacks)
    send_queued()

    assert world.made() == {"create": 1, "update": 1, "delete": 0}
    reservation.refresh_from_db()
    assert reservation.meeting_starts_at == reservation.starts_at
    # The services keep the join URL where it was.
    assert reservation.meeting_url == first_url
    assert [n.status for n in invitations()] == [NotificationStatus.SENT] * 2
    assert len(mail.outbox) == 2
    assert first_url in mail.outbox[1].body


def test_a_follow_up_booked_in_session_makes_its_own_meeting(
    world, broker, django_capture_on_commit_callbacks
):
    now = timezone.now()
    held = ReservationFactory(
        jobseeker=world.jobseeker,
        slot=SlotFactory(counselor=world.counselor, starts_at=now - dt.timedelta(minutes=5)),
        status=ReservationStatus.IN_SESSION,
        started_at=now - dt.timedelta(minutes=5),
    )
    staff = StaffProfileFactory(office=world.office).user

    with django_capture_on_commit_callbacks(execute=True):
        follow_up = reservation_follow_up(previous=held, slot=world.slot(days=14), actor=staff)
    run(broker, django_capture_on_commit_callbacks)
    send_queued()

    assert world.made() == {"create": 1, "update": 0, "delete": 0}
    follow_up.refresh_from_db()
    assert follow_up.meeting_provider_id
    assert [n.status for n in invitations()] == [NotificationStatus.SENT]
    assert follow_up.meeting_url in mail.outbox[0].body


def test_a_no_show_deletes_the_meeting(world, broker, django_capture_on_commit_callbacks):
    reservation = book(world, django_capture_on_commit_callbacks)
    run(broker, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        noshow_sweep(now=reservation.starts_at + dt.timedelta(minutes=11))
    run(broker, django_capture_on_commit_callbacks)

    assert world.made() == {"create": 1, "update": 0, "delete": 1}
    assert world.fake.meetings == {}


def test_a_lost_answer_retried_never_makes_a_second_meeting(
    world, broker, django_capture_on_commit_callbacks
):
    from tests.meetings.fakes import lost_answer

    create = world.fake.routes["create"]
    lost_answer(create)
    reservation = book(world, django_capture_on_commit_callbacks)

    run(broker, django_capture_on_commit_callbacks)

    # The first try timed out after the service made it; the retry found it.
    assert len(world.fake.meetings) == 1
    reservation.refresh_from_db()
    assert reservation.meeting_provider_id in world.fake.meetings
    assert [n.status for n in invitations()] == [NotificationStatus.SENT]


def test_an_outage_is_retried_with_backoff_until_the_meeting_exists(
    world, broker, django_capture_on_commit_callbacks
):
    import httpx

    create = world.fake.routes["create"]
    fault(create, httpx.Response(503, json={"message": "down"}))
    # The broker's retry countdown is not waited for here: the sweep shows the held step.
    reservation = book(world, django_capture_on_commit_callbacks)
    run(broker, django_capture_on_commit_callbacks)

    reservation.refresh_from_db()
    assert len(world.fake.meetings) == 1
    assert reservation.meeting_url
    assert reservation.meeting_attempts == 0
    assert [n.status for n in invitations()] == [NotificationStatus.SENT]


def _staff(office):
    profile = StaffProfileFactory(office=office)
    profile.user.user_permissions.add(
        *Permission.objects.filter(
            codename__in=[
                "view_notification",
                "view_pendinginvitation",
                "view_reservation",
                "change_reservation",
            ]
        )
    )
    return profile.user


def test_revoked_credentials_send_no_invitation_and_alert_staff_who_retry_or_fall_back(
    world, broker, django_capture_on_commit_callbacks, client
):
    world.fake.refuse_credentials()
    first = book(world, django_capture_on_commit_callbacks)
    second = book(world, django_capture_on_commit_callbacks, days=9)
    run(broker, django_capture_on_commit_callbacks)

    assert world.made() == {"create": 0, "update": 0, "delete": 0}
    assert send_queued() == 0
    assert mail.outbox == []
    assert {n.status for n in invitations()} == {NotificationStatus.WAITING}
    office = Office.objects.get(pk=world.office.pk)
    assert office.meeting_provider_failing_since is not None
    assert "credentials" in office.meeting_provider_failure
    # Given up: no retry is planned for a refused credential.
    assert Reservation.objects.get(pk=first.pk).meeting_next_attempt_at is None

    staff_login(client, _staff(world.office))
    dashboard = client.get(reverse("admin:bookings_reservation_dashboard"))
    assert dashboard.status_code == 200
    page = dashboard.content.decode()
    assert world.office.name in page
    assert "ビデオ通話サービス" in page
    pending = client.get(PENDING_URL).content.decode()
    assert first.reference in pending and second.reference in pending
    assert "認証情報" in pending  # the reason, in Japanese

    # The credentials are fixed; staff retry the first one: its meeting is made and sent.
    world.fake.refusing = False
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            PENDING_URL,
            {"action": "retry_meeting", "_selected_action": [first.pk]},
        )
    assert response.status_code == 302
    run(broker, django_capture_on_commit_callbacks)
    send_queued()
    assert world.made()["create"] == 1
    assert Office.objects.get(pk=world.office.pk).meeting_provider_failing_since is None
    assert Reservation.objects.get(pk=first.pk).meeting_url in mail.outbox[0].body

    # The second goes out with the office's fallback URL instead, no call to the service.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            PENDING_URL,
            {"action": "use_fallback", "_selected_action": [second.pk]},
        )
    assert response.status_code == 302
    run(broker, django_capture_on_commit_callbacks)
    send_queued()
    second.refresh_from_db()
    assert second.meeting_url.startswith("https://video.example.go.jp/room/")
    assert second.meeting_provider == ""
    assert world.made()["create"] == 1
    assert second.meeting_url in mail.outbox[1].body
    # Nothing is left in the list of invitations not sent.
    pending = client.get(PENDING_URL).content.decode()
    assert first.reference not in pending and second.reference not in pending


def test_the_sweep_restarts_a_step_whose_message_was_lost(
    world, broker, django_capture_on_commit_callbacks
):
    from notifications.services.meeting import meeting_sweep

    reservation = book(world, django_capture_on_commit_callbacks)
    broker.messages.clear()  # the broker lost it

    with django_capture_on_commit_callbacks(execute=True):
        started = meeting_sweep(now=timezone.now() + dt.timedelta(minutes=2))
    assert started == 1
    run(broker, django_capture_on_commit_callbacks)
    reservation.refresh_from_db()
    assert reservation.meeting_url
    assert world.made()["create"] == 1


# --- Failures, one provider is enough (the error handling does not depend on it) -------------


@pytest.fixture
def zoom(monkeypatch, edge, settings) -> World:
    settings.NOTIFICATION_SEND_GRACE = 0
    return World("zoom", monkeypatch, edge)


def test_a_429_waits_at_least_its_retry_after_then_the_sweep_makes_the_meeting(
    zoom, broker, django_capture_on_commit_callbacks
):
    import httpx

    from notifications.services.meeting import meeting_sweep

    fault(zoom.fake.routes["create"], httpx.Response(429, json={}, headers={"Retry-After": "300"}))
    reservation = book(zoom, django_capture_on_commit_callbacks)
    run(broker, django_capture_on_commit_callbacks)

    reservation.refresh_from_db()
    assert reservation.meeting_url == ""
    assert reservation.meeting_attempts == 1
    assert reservation.meeting_next_attempt_at >= timezone.now() + dt.timedelta(seconds=290)
    (waiting,) = invitations()
    assert waiting.status == NotificationStatus.WAITING
    assert waiting.last_error == "The video service is busy; the meeting will be tried again."
    # Not before it is due …
    with django_capture_on_commit_callbacks(execute=True):
        assert meeting_sweep() == 0
    # … and once it is, the sweep starts it.
    with django_capture_on_commit_callbacks(execute=True):
        assert meeting_sweep(now=reservation.meeting_next_attempt_at + dt.timedelta(minutes=2)) == 1
    run(broker, django_capture_on_commit_callbacks)
    # The refused request and the one that made it; one meeting.
    assert zoom.made() == {"create": 2, "update": 0, "delete": 0}
    assert len(zoom.fake.meetings) == 1
    assert [n.status for n in invitations()] == [NotificationStatus.SENT]


def test_an_outage_at_the_consultation_time_gives_up_and_says_so(zoom):
    import httpx

    from notifications.services.meeting import MEETING_GAVE_UP, reservation_meeting_sync

    reservation = ReservationFactory(
        jobseeker=zoom.jobseeker,
        slot=SlotFactory(
            counselor=zoom.counselor, starts_at=timezone.now() + dt.timedelta(seconds=20)
        ),
        meeting_url="",
        meeting_provider="zoom",
    )
    fault(zoom.fake.routes["create"], httpx.Response(502, json={}))

    result = reservation_meeting_sync(reservation_id=reservation.pk)

    assert result.retry_in is None
    reservation.refresh_from_db()
    assert reservation.meeting_url_problem == MEETING_GAVE_UP
    assert reservation.meeting_next_attempt_at is None
    # An outage is not the office's credentials: the office is not marked failing.
    assert Office.objects.get(pk=zoom.office.pk).meeting_provider_failing_since is None


def test_a_counselor_without_an_account_is_that_reservations_reason_only(
    zoom, broker, django_capture_on_commit_callbacks
):
    from notifications.services.meeting import NO_MEETING_ACCOUNT

    zoom.counselor.meeting_account = ""
    zoom.counselor.save()
    reservation = book(zoom, django_capture_on_commit_callbacks)
    run(broker, django_capture_on_commit_callbacks)

    assert zoom.calls()["create"] == 0
    reservation.refresh_from_db()
    assert reservation.meeting_url_problem == NO_MEETING_ACCOUNT
    assert invitations()[0].last_error == NO_MEETING_ACCOUNT
    assert Office.objects.get(pk=zoom.office.pk).meeting_provider_failing_since is None


def test_missing_secrets_mark_the_office_failing(
    zoom, broker, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.delenv(f"MEETINGS_{zoom.office.bureau.code.upper()}_ZOOM_CLIENT_SECRET")
    monkeypatch.delenv("MEETINGS_SECRETS_FILE", raising=False)
    book(zoom, django_capture_on_commit_callbacks)
    run(broker, django_capture_on_commit_callbacks)

    assert sum(zoom.calls().values()) == 0
    office = Office.objects.get(pk=zoom.office.pk)
    assert office.meeting_provider_failing_since is not None
    assert send_queued() == 0


def test_an_office_on_a_personal_room_stays_offline(broker, django_capture_on_commit_callbacks):
    office = OfficeFactory()
    counselor = CounselorFactory(office=office)
    slot = SlotFactory(counselor=counselor, starts_at=timezone.now() + dt.timedelta(days=7))
    with django_capture_on_commit_callbacks(execute=True):
        reservation = reservation_create(
            slot=slot, jobseeker=JobseekerFactory(office=office), source=ReservationSource.STAFF
        )

    assert reservation.meeting_provider == ""
    assert reservation.meeting_url == counselor.meeting_room_url
    assert "notifications.meeting_sync" not in [name for name, _args in broker.messages]
    assert [n.status for n in invitations()] == [NotificationStatus.QUEUED]


def test_a_time_change_of_an_office_on_a_template_url_sends_the_new_invitation_at_once(
    broker, django_capture_on_commit_callbacks
):
    office = OfficeFactory(
        meeting_url_mode="template",
        meeting_url_template="https://video.example.go.jp/{token}",
        online_cancellation_allowed=True,
    )
    counselor = CounselorFactory(office=office)
    start = timezone.now() + dt.timedelta(days=7)
    with django_capture_on_commit_callbacks(execute=True):
        reservation = reservation_create(
            slot=SlotFactory(counselor=counselor, starts_at=start),
            jobseeker=JobseekerFactory(office=office),
            source=ReservationSource.STAFF,
        )
        move(reservation, SlotFactory(counselor=counselor, starts_at=start + dt.timedelta(days=1)))

    assert [(n.sequence, n.status) for n in invitations()] == [
        (0, NotificationStatus.QUEUED),
        (1, NotificationStatus.QUEUED),
    ]
    assert "notifications.meeting_sync" not in [name for name, _args in broker.messages]


def test_saving_an_office_on_a_service_without_secrets_warns_staff(monkeypatch, rf):
    from django.contrib import admin as django_admin
    from django.contrib.messages import get_messages
    from django.contrib.messages.storage.fallback import FallbackStorage

    from backoffice.admin.offices import OfficeAdmin

    for name in list(__import__("os").environ):
        if name.startswith("MEETINGS_"):
            monkeypatch.delenv(name)
    office = OfficeFactory(meeting_url_mode="webex")
    request = rf.post("/")
    request.session = {}
    request._messages = FallbackStorage(request)
    request.user = StaffProfileFactory(office=office).user

    OfficeAdmin(Office, django_admin.site).save_model(request, office, None, True)

    (message,) = list(get_messages(request))
    text = str(message)
    assert "認証情報" in text
    assert f"MEETINGS_{office.bureau.code.upper()}_WEBEX_CLIENT_ID" in text


def test_a_web_booking_from_the_journeys_check_page_makes_one_meeting(
    world, broker, django_capture_on_commit_callbacks, client
):
    """The jobseeker's own booking, through the portal's check page (not the service called
    directly): the meeting is made after commit, and the invitation carries its join URL."""
    terms = TermsVersionFactory(bureau=world.office.bureau)
    ConsentFactory(jobseeker=world.jobseeker, terms_version=terms)
    slot = world.slot()
    sign_in_client(client, world.jobseeker, slot=slot, details=NO_DETAILS)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/book/check/", {"slot": slot.pk})
    assert response.status_code == 302, response.content.decode()[:500]
    reservation = Reservation.objects.get()
    assert reservation.source == ReservationSource.WEB
    # Nothing was asked of the video service during the request.
    assert world.made() == {"create": 0, "update": 0, "delete": 0}

    run(broker, django_capture_on_commit_callbacks)

    assert world.made() == {"create": 1, "update": 0, "delete": 0}
    reservation.refresh_from_db()
    assert reservation.meeting_provider == world.provider
    (email,) = mail.outbox
    assert reservation.meeting_url in email.body
    # The confirmation page the jobseeker is sent to answers while the meeting is made.
    assert client.get(response["Location"]).status_code == 200
