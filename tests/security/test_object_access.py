"""Every URL that takes an id or a token: another jobseeker, and staff of another office, get 404.

The URLs are read from the URLconf, so a page added later is walked too: a public URL with a
parameter this file does not know fails `test_every_public_url_with_a_parameter_is_walked`,
and an admin model of office data that the world below does not hold fails the admin walk.
"""

import datetime as dt

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bookings.models import Reservation, ReservationStatus
from consent.models import TermsVersion
from core.tokens import reservation_token
from jobseekers.models import (
    AuditAction,
    AuditEntry,
    RegistrationRequest,
    RosterEntry,
    UsageExport,
    UsageRecord,
)
from notifications.models import Notification, NotificationKind, TrackingEvent
from offices.models import OfficeClosedDay
from tests.admin_urls import fill, office_path, url_params, url_patterns
from tests.factories import (
    ConsentFactory,
    CounselorFactory,
    JobseekerFactory,
    OfficeFactory,
    ReservationFactory,
    SlotFactory,
    StaffProfileFactory,
    TermsVersionFactory,
    UserFactory,
    WeeklyAvailabilityFactory,
)
from tests.helpers import sign_in_client, staff_login

# The outcome depends on the date the suite runs at: `make test-dates` runs it at each date.
pytestmark = [pytest.mark.django_db, pytest.mark.dates]

# URL parameters that name no object (a calendar day).
NOT_AN_OBJECT = {"date"}
# Admin models scoped to the bureau, not the office, by design: a usage export (Art 7) is the
# bureau administrator's, scoped to the bureau of whoever made it.
BUREAU_WIDE = {"UsageExport"}


class World:
    """Two offices of one bureau, each with a jobseeker, a reservation and its records."""

    def __init__(self):
        now = timezone.now()
        self.terms = TermsVersionFactory()
        self.draft = TermsVersion.objects.create(
            bureau=self.terms.bureau,
            label="draft",
            body="draft",
            summary="draft",
            effective_from=now + dt.timedelta(days=30),
        )
        self.a = self._office(self.terms.bureau, now, "a")
        self.b = self._office(self.terms.bureau, now, "b")

    def _office(self, bureau, now, tag):
        office = OfficeFactory(bureau=bureau, online_cancellation_allowed=True)
        counselor = CounselorFactory(office=office)
        WeeklyAvailabilityFactory(counselor=counselor)
        jobseeker = JobseekerFactory(office=office)
        slot = SlotFactory(counselor=counselor, starts_at=now + dt.timedelta(days=7))
        reservation = ReservationFactory(
            slot=slot, jobseeker=jobseeker, status=ReservationStatus.CONFIRMED
        )
        ConsentFactory(jobseeker=jobseeker, terms_version=self.terms)
        staff = UserFactory(username=f"staff-{tag}")
        StaffProfileFactory(user=staff, office=office)
        AuditEntry.objects.create(at=now, action=AuditAction.VIEW, jobseeker=jobseeker)
        OfficeClosedDay.objects.create(office=office, date=now.date() + dt.timedelta(days=40))
        RosterEntry.objects.create(
            office=office,
            number=jobseeker.number,
            full_name="名簿 太郎",
            valid_until=now.date() + dt.timedelta(days=60),
            imported_at=now,
        )
        RegistrationRequest.objects.create(
            office=office,
            number=f"{office.registration_code}-00000001",
            family_name="申込",
            given_name="太郎",
            family_name_kana="モウシコミ",
            given_name_kana="タロウ",
            email=f"request-{tag}@example.jp",
            created_at=now,
            received_at=now,
        )
        UsageRecord.objects.create(at=now, method="GET", path="/", status=200, jobseeker=jobseeker)
        UsageExport.objects.create(
            at=now,
            reason="test",
            since=now.date(),
            until=now.date(),
            jobseeker=jobseeker,
            row_count=0,
        )
        notification = Notification.objects.create(
            kind=NotificationKind.INVITATION,
            reservation=reservation,
            jobseeker=jobseeker,
            recipient=jobseeker.email,
            idempotency_key=f"test-{tag}",
            queued_at=now,
        )
        TrackingEvent.objects.create(
            esp_name="test",
            event_key=f"k-{tag}",
            event_type="delivered",
            notification=notification,
            received_at=now,
        )
        return {
            "office": office,
            "jobseeker": jobseeker,
            "reservation": reservation,
            "token": reservation_token(
                reference=reservation.reference, nonce=reservation.access_nonce
            ),
            "staff": staff,
        }


@pytest.fixture
def world():
    return World()


def _jobseeker_client(jobseeker) -> Client:
    return sign_in_client(Client(), jobseeker, checklist=False)


# --- Public pages ---


def _waitlist(a: dict):
    """A's 「空きが出たら知らせる」 request (made once)."""
    from bookings.models import WaitlistRequest, WaitlistScope

    jobseeker = a["reservation"].jobseeker
    day = a["reservation"].starts_at.date()
    request, _ = WaitlistRequest.objects.get_or_create(
        jobseeker=jobseeker,
        first_day=day,
        last_day=day,
        defaults={
            "office": jobseeker.office,
            "scope": WaitlistScope.DAY,
            "created_at": a["reservation"].created_at,
            "access_nonce": "0" * 32,
        },
    )
    return request


def _public_cases(world: World) -> dict[str, list[tuple[dict, str]]]:
    """For each public URL name with a parameter: values of A's objects that B tries.

    Each value is something jobseeker B could know or guess about A's reservation: its
    reference (read out on the phone), its database id, the hash stored in the database, a
    token one character off, B's own token of another kind. None of them may open A's page.
    """
    a = world.a
    res = a["reservation"]
    wrong = a["token"][:-1] + ("0" if a["token"][-1] != "0" else "1")
    token_guesses = [
        ({"token": res.reference}, "reference"),
        ({"token": str(res.pk)}, "database id"),
        ({"token": res.access_token_hash}, "stored hash"),
        ({"token": wrong}, "token one character off"),
        ({"token": world.b["token"] + "x"}, "B's token, altered"),
    ]
    return {
        "bookings:confirmation": token_guesses,
        "bookings:reservation": token_guesses,
        "bookings:reservation_ics": token_guesses,
        "bookings:reservation_cancel": token_guesses,
        "bookings:sign_in": [({"token": a["token"]}, "A's reservation token as a sign-in link")],
        "bookings:mine_change_start": [({"pk": res.pk}, "database id")],
        "consent:terms_version": [({"pk": world.draft.pk}, "an unpublished terms version")],
        "consent:terms": [({"bureau": "no-such-bureau"}, "an unknown bureau")],
        "bookings:waitlist_withdraw": [({"pk": _waitlist(a).pk}, "A's waitlist request id")],
        "bookings:waitlist_withdraw_link": [
            ({"token": f"{_waitlist(a).pk}-{'0' * 64}"}, "A's request id with a made-up MAC"),
            ({"token": str(_waitlist(a).pk)}, "A's request id alone"),
        ],
    }


def _public_routes():
    routes = {}
    for route, namespace, name, pattern in url_patterns():
        if route.startswith("admin/") or not name:
            continue
        params = set(url_params(pattern)) - NOT_AN_OBJECT
        if params:
            routes[f"{namespace}:{name}" if namespace else name] = (route, pattern)
    return routes


def test_every_public_url_with_a_parameter_is_walked(world):
    missing = set(_public_routes()) - set(_public_cases(world))
    assert not missing, f"add these URLs to _public_cases: {sorted(missing)}"


def test_another_jobseeker_gets_404_on_every_public_url(world):
    b_client = _jobseeker_client(world.b["jobseeker"])
    anonymous = Client()
    for name, cases in _public_cases(world).items():
        for kwargs, what in cases:
            url = reverse(name, kwargs=kwargs)
            for client in (b_client, anonymous):
                for method in ("get", "post"):
                    response = getattr(client, method)(url)
                    allowed = {404, 405} if method == "post" else {404}
                    if name == "bookings:sign_in":
                        allowed |= {410}  # an unknown sign-in link is "no longer valid"
                    assert response.status_code in allowed, (
                        name,
                        what,
                        method,
                        response.status_code,
                    )
    # A's reservation is untouched by B's attempts (the cancel URL was POSTed to).
    world.a["reservation"].refresh_from_db()
    assert world.a["reservation"].status == ReservationStatus.CONFIRMED


def test_the_owner_reaches_the_same_urls(world):
    """The walk above is not vacuous: with A's own session and token, the pages answer."""
    a = world.a
    for name in (
        "bookings:confirmation",
        "bookings:reservation",
        "bookings:reservation_ics",
        "bookings:reservation_cancel",
    ):
        assert Client().get(reverse(name, kwargs={"token": a["token"]})).status_code == 200, name
    assert (
        Client().get(reverse("consent:terms_version", kwargs={"pk": world.terms.pk})).status_code
        == 200
    )


# --- The admin ---

GLOBAL_APPS = {"auth", "otp_totp", "axes", "security", "contenttypes", "sessions"}


def _admin_object_routes():
    """(route, model, parameter) for every admin URL that names one object."""
    routes = []
    for route, _, _name, pattern in url_patterns():
        if not route.startswith("admin/"):
            continue
        params = url_params(pattern)
        if not params or "content_type_id" in params or "url" in params or "app_label" in params:
            continue
        parts = route.split("/")
        model = apps.get_model(parts[1], parts[2])
        routes.append((route, model, params[0]))
    return routes


def _office_staff_permissions(models_: list[type[models.Model]]):
    cts = ContentType.objects.get_for_models(*models_, for_concrete_models=False).values()
    return Permission.objects.filter(content_type__in=cts)


def test_staff_of_another_office_get_404_on_every_admin_url(world):
    routes = _admin_object_routes()
    scoped = {}
    for route, model, param in routes:
        if model._meta.app_label in GLOBAL_APPS:
            continue
        path = office_path(model)
        if path is None or model.__name__ in BUREAU_WIDE:
            continue  # bureau-wide data (terms versions, the bureau itself, usage exports)
        scoped.setdefault(model, []).append((route, param))
    assert Reservation in scoped and len(scoped) >= 8, sorted(m.__name__ for m in scoped)

    perms = _office_staff_permissions(list(scoped))
    for staff in (world.a["staff"], world.b["staff"]):
        staff.user_permissions.set(perms)
    owner = staff_login(Client(), world.a["staff"])
    other = staff_login(Client(), world.b["staff"])

    problems: list[str] = []
    for model, model_routes in scoped.items():
        path = office_path(model)
        lookup = {f"{path}__pk" if path else "pk": world.a["office"].pk}
        obj = model._default_manager.filter(**lookup).order_by("pk").first()
        assert obj is not None, f"the World holds no {model.__name__} of office A: add one"
        for route, param in model_routes:
            if route.endswith("/<path:object_id>/"):
                continue  # only redirects to .../change/, whatever the id
            url = fill(route, {param: obj.pk})
            mine = owner.get(url).status_code
            theirs = other.get(url).status_code
            if mine == 403:
                # Not open to office staff at all: the other office is refused alike.
                if theirs not in (403, 404):
                    problems.append(f"{url}: owner 403, other office {theirs}")
                continue
            if mine == 404:
                problems.append(f"{url}: the owner office gets 404 (the walk would prove nothing)")
            if theirs != 404:
                problems.append(f"{url} ({model.__name__}): other office got {theirs}")
            posted = other.post(url, {}).status_code
            if posted not in (403, 404, 405):
                problems.append(f"POST {url}: other office got {posted}")
    assert not problems, "\n".join(problems)


def test_global_admin_objects_are_not_open_to_office_staff(world):
    """Users, authenticators, lockouts, session cut-offs: another office's staff see none."""
    other = staff_login(Client(), world.b["staff"])
    target = world.a["staff"]
    for route, model, param in _admin_object_routes():
        if model._meta.app_label not in GLOBAL_APPS:
            continue
        obj = model._default_manager.order_by("pk").first()
        pk = obj.pk if obj is not None else target.pk
        status = other.get(fill(route, {param: pk})).status_code
        assert status in (403, 404, 302), (route, status)
        if status == 302:
            assert other.get(fill(route, {param: pk}))["Location"].startswith("/admin/")
