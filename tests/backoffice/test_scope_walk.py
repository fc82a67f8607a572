"""Every admin URL, as each staff role, against another office and another bureau (Art 9).

The URLs are read from the URLconf (`tests/admin_urls.py`), so a list, change page, action,
custom page, export or figure added later is walked without anyone adding it here. The data
of office B (same bureau as the user) and office F (another bureau) carry markers in every
text a page could show — names, numbers, emails, paths, user agents, reasons, notes — and
no response body (HTML, CSV, figures) may contain a marker of an office the role does not see:

- counselor and office staff: only their office, A (the office staff member is given every
  permission of the domain besides the group's, so that no missing permission hides a missing
  scope: each page is reached, and must hide B and F by its scope alone);
- bureau administrator: the offices of their bureau, A and B, never F;
- superuser: everything; walked to prove that each filled URL names a real object.

Every URL naming an object of B or F answers 403 or 404 (405 for a wrong method) to a role that
does not see it, every action posted with B's or F's ids changes none of their rows, and the
rows of B and F are the same after the walk as before it. tests/security/test_object_access.py
walks the same URLs for office staff with their own office's objects (the owner gets them).
"""

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Q, QuerySet
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from bookings.models import Reservation, ReservationStatus, SlotStatus
from consent.models import TermsVersion
from jobseekers.models import (
    AuditAction,
    AuditEntry,
    RegistrationRequest,
    RosterEntry,
    UsageExport,
    UsageRecord,
)
from jobseekers.usage import usage_record_write
from notifications.models import Notification, NotificationKind, TrackingEvent
from offices.models import Bureau, Office, OfficeClosedDay, StaffProfile
from security.models import SessionCutoff
from tests.admin_urls import fill, office_path, url_params, url_patterns
from tests.factories import (
    BureauFactory,
    ConsentFactory,
    CounselorFactory,
    JobseekerFactory,
    OfficeFactory,
    ReservationFactory,
    SlotFactory,
    TermsVersionFactory,
    UserFactory,
    WeeklyAvailabilityFactory,
    tokyo,
)
from tests.helpers import staff_login

from .conftest import BUREAU_ADMIN, COUNSELOR, OFFICE_STAFF, make_user

pytestmark = pytest.mark.django_db

User = get_user_model()

# A Wednesday, mid-morning in Tokyo: sessions running, some done, some to come.
CLOCK = tokyo(2027, 1, 13, 10, 5)
TODAY = CLOCK.date()

# Apps whose models no office owns (accounts, authenticators, lockouts); walked all the same.
DOMAIN_APPS = {"offices", "bookings", "jobseekers", "consent", "notifications"}
# Never posted to: they end the walking session or are the way in, or take no form.
NOT_POSTED = {"logout", "login", "index", "app_list", "jsi18n", "password_change_done", None}


@dataclass
class Place:
    """One office and what it holds; `tag` is in every text its records could show."""

    tag: str
    office: Office
    users: list = field(default_factory=list)
    jobseekers: list = field(default_factory=list)
    reservations: list = field(default_factory=list)
    counselor: object = None
    slot_free: object = None

    @property
    def markers(self) -> list[str]:
        # The numbers and the tag; the tag is in names, emails (ascii form), paths, reasons.
        return [self.tag, self.ascii_tag, *(j.number for j in self.jobseekers)]

    @property
    def ascii_tag(self) -> str:
        return f"ekkyo-{self.tag[-1].lower()}" if self.tag else ""


class World:
    """Office A (the staff user's), B (same bureau) and F (another bureau), each fully stocked."""

    def __init__(self):
        self.bureau = BureauFactory()
        self.foreign_bureau = BureauFactory(code="hiroshima", name="広島労働局越境F")
        self.terms = TermsVersionFactory(bureau=self.bureau)
        self.foreign_terms = TermsVersionFactory(
            bureau=self.foreign_bureau, label="越境F-terms", summary="越境F"
        )
        TermsVersion.objects.create(
            bureau=self.foreign_bureau,
            label="越境F-draft",
            body="越境F",
            summary="越境F",
            effective_from=CLOCK + dt.timedelta(days=30),
        )
        self.a = self._place("", self.bureau, self.terms, prefix="33331")
        self.b = self._place("越境B", self.bureau, self.terms, prefix="44441")
        self.f = self._place("越境F", self.foreign_bureau, self.foreign_terms, prefix="55551")
        # F's bureau administrator exported its records: the export and its audit entry name
        # no jobseeker, only F's administrator.
        foreign_admin = UserFactory(username="admin-越境F", email="ekkyo-f-admin@example.jp")
        StaffProfile.objects.create(user=foreign_admin, office=None, bureau=self.foreign_bureau)
        self._authenticator(foreign_admin, "越境F")
        self.f.users.append(foreign_admin)
        export = UsageExport.objects.create(
            at=CLOCK,
            actor=foreign_admin,
            reason="越境F: 警察からの照会",
            since=TODAY,
            until=TODAY,
            row_count=1,
        )
        AuditEntry.objects.create(
            at=CLOCK,
            actor=foreign_admin,
            action=AuditAction.EXPORT,
            target=f"usage_export:{export.pk}",
            detail="越境F usage records",
        )
        SessionCutoff.objects.create(user=foreign_admin, not_before=CLOCK, ended_by=foreign_admin)
        AccessAttempt.objects.create(
            username="admin-越境F",
            ip_address="203.0.113.9",
            user_agent="越境F",
            failures_since_start=1,
        )
        AccessLog.objects.create(
            username="admin-越境F", ip_address="203.0.113.9", user_agent="越境F"
        )
        AccessFailureLog.objects.create(
            username="admin-越境F", ip_address="203.0.113.9", user_agent="越境F", locked_out=False
        )
        # A visit before anyone signed in: no bureau's jobseeker, read by bureau administrators.
        usage_record_write(
            method="GET", path="/", status=200, ip_address="198.51.100.7", user_agent="", now=CLOCK
        )
        self.places = {"A": self.a, "B": self.b, "F": self.f}

    @staticmethod
    def _authenticator(user, tag: str) -> None:
        TOTPDevice.objects.create(user=user, name=f"{tag}-device", confirmed=True)

    def _place(self, tag: str, bureau, terms, *, prefix: str) -> Place:
        ascii_tag = f"ekkyo-{tag[-1].lower()}" if tag else "own"
        office = OfficeFactory(
            bureau=bureau,
            name=f"ハローワーク{tag or '自所'}",
            name_en=f"Hello Work {ascii_tag}",
            online_cancellation_allowed=True,
        )
        place = Place(tag=tag, office=office)
        OfficeClosedDay.objects.create(
            office=office, date=TODAY + dt.timedelta(days=42), reason=f"{tag}休"
        )
        counselor_user = UserFactory(username=f"counselor-{tag or 'own'}")
        place.counselor = CounselorFactory(
            office=office, user=counselor_user, display_name=f"相談員{tag}"
        )
        WeeklyAvailabilityFactory(counselor=place.counselor)
        staff = UserFactory(username=f"staff-{tag or 'own'}", email=f"{ascii_tag}-staff@example.jp")
        StaffProfile.objects.create(user=staff, office=office, bureau=bureau)
        place.users = [staff, counselor_user]
        if tag:
            self._authenticator(staff, tag)
        for n in (1, 2):
            place.jobseekers.append(
                JobseekerFactory(
                    office=office,
                    number=f"{prefix}-{n:08d}",
                    family_name=f"姓{tag}",
                    given_name=f"名{tag}",
                    email=f"{ascii_tag}{n}@example.jp",
                    phone=f"{prefix}{n}",
                )
            )
        first, second = place.jobseekers
        ConsentFactory(
            jobseeker=first, terms_version=terms, ip_address="192.0.2.10", given_at=CLOCK
        )

        def slot(when, **kwargs):
            return SlotFactory(counselor=place.counselor, starts_at=when, **kwargs)

        place.reservations = [
            ReservationFactory(
                slot=slot(tokyo(2027, 1, 13, 10)),
                jobseeker=first,
                note=f"{tag}-today",
                interpreter_language=f"{tag}語",
            ),
            ReservationFactory(
                slot=slot(tokyo(2027, 1, 13, 9, 30)),
                jobseeker=second,
                status=ReservationStatus.IN_SESSION,
                started_at=tokyo(2027, 1, 13, 9, 30),
                note=f"{tag}-in-session",
            ),
            ReservationFactory(
                slot=slot(tokyo(2027, 1, 12, 10)),
                jobseeker=first,
                status=ReservationStatus.COMPLETED,
                started_at=tokyo(2027, 1, 12, 10),
                ended_at=tokyo(2027, 1, 12, 10, 28),
                outcome=f"{tag}-outcome",
            ),
            ReservationFactory(
                slot=slot(tokyo(2027, 1, 20, 10)),
                jobseeker=second,
                note=f"{tag}-upcoming",
                late_notice_caller=f"{tag}-caller",
            ),
            ReservationFactory(
                slot=slot(tokyo(2027, 1, 21, 10)),
                jobseeker=second,
                status=ReservationStatus.CANCELLED,
                cancelled_at=CLOCK - dt.timedelta(days=1),
                cancel_reason=f"{tag}-cancel",
                cancel_caller=f"{tag}-caller",
            ),
        ]
        place.slot_free = slot(tokyo(2027, 1, 13, 11))
        slot(tokyo(2027, 1, 13, 14), status=SlotStatus.BLOCKED, blocked_reason=f"{tag}-blocked")
        slot(tokyo(2027, 1, 27, 10))
        RosterEntry.objects.create(
            office=office,
            number=first.number,
            full_name=f"名簿{tag}",
            valid_until=TODAY + dt.timedelta(days=60),
            imported_at=CLOCK,
            imported_by=staff,
        )
        # Someone asked online to book with the first jobseeker's number (the decide pages show
        # the number's record beside the request).
        RegistrationRequest.objects.create(
            office=office,
            number=first.number,
            family_name=f"申請{tag}",
            given_name=f"名{tag}",
            family_name_kana="シンセイ",
            given_name_kana="ハナコ",
            email=f"{ascii_tag}-request@example.jp",
            created_at=CLOCK,
            received_at=CLOCK,
        )
        AuditEntry.objects.create(
            at=CLOCK,
            actor=staff,
            action=AuditAction.VIEW,
            jobseeker=first,
            target=f"jobseeker:{first.pk}",
            detail=f"{tag}-audit",
        )
        # F's visitors use a system nobody else's do, so a figure that counts them names it.
        agent = (
            f"Mozilla/5.0 (Windows Phone 10.0; Android 6.0.1) Edge/15 {tag}"
            if tag == "越境F"
            else f"Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0 {tag}"
        )
        for n, jobseeker in enumerate(place.jobseekers):
            usage_record_write(
                method="GET",
                path=f"/book/{tag or 'own'}/{n}/",
                status=200,
                ip_address=f"203.0.113.{10 + n}" if tag else f"198.51.100.{10 + n}",
                user_agent=agent,
                jobseeker_id=jobseeker.pk,
                now=CLOCK - dt.timedelta(hours=1),
            )
        upcoming = place.reservations[3]
        invitation = Notification.objects.create(
            kind=NotificationKind.INVITATION,
            reservation=upcoming,
            jobseeker=second,
            recipient=second.email,
            idempotency_key=f"invitation-{ascii_tag}",
            queued_at=CLOCK - dt.timedelta(days=1),
            last_error=f"{tag}-error",
        )
        Notification.objects.create(
            kind=NotificationKind.TERMS_CHANGE,
            jobseeker=first,
            terms_version=terms,
            recipient=first.email,
            idempotency_key=f"terms-{ascii_tag}",
            queued_at=CLOCK - dt.timedelta(days=2),
        )
        TrackingEvent.objects.create(
            esp_name="test",
            event_key=f"event-{ascii_tag}",
            event_type="bounced",
            notification=invitation,
            received_at=CLOCK,
            description=f"{tag}-bounce",
        )
        return place


def owned(model, world: World, owner: str) -> QuerySet:
    """The rows of `model` that belong to office `owner` ("A", "B" or "F")."""
    place = world.places[owner]
    manager = model._default_manager
    users = [user.pk for user in place.users]
    foreign = owner == "F"
    if model is Bureau:
        return manager.filter(pk=world.foreign_bureau.pk) if foreign else manager.none()
    if model is TermsVersion:
        return manager.filter(bureau=world.foreign_bureau) if foreign else manager.none()
    if model is UsageExport:
        return manager.filter(actor__in=users)
    if model is AuditEntry:
        return manager.filter(
            Q(jobseeker__office=place.office) | Q(jobseeker__isnull=True, actor__in=users)
        )
    if model is StaffProfile:
        return manager.filter(Q(office=place.office) | Q(user__in=users))
    if model is Notification:
        return manager.filter(
            Q(reservation__office=place.office)
            | Q(reservation__isnull=True, jobseeker__office=place.office)
        )
    if model is TrackingEvent:
        return manager.filter(notification__in=owned(Notification, world, owner))
    if model is User:
        return manager.filter(pk__in=users)
    if model in (TOTPDevice, SessionCutoff):
        return manager.filter(user__in=users)
    if model in (AccessAttempt, AccessLog, AccessFailureLog):
        return manager.filter(username__in=[user.username for user in place.users])
    path = office_path(model)
    if path is None:
        return manager.none()
    return manager.filter(**{path or "pk": place.office.pk if not path else place.office})


def snapshot(world: World, owners: tuple[str, ...]) -> dict:
    """Every row of the given offices, as values, for every model the admin shows."""
    rows = {}
    for model in admin.site._registry:
        for owner in owners:
            rows[(model._meta.label, owner)] = sorted(
                owned(model, world, owner).values(), key=lambda row: row["id"]
            )
    return rows


# --- Roles ---

ROLES = ["counselor", "office staff", "bureau administrator"]
# Which offices' objects and markers each role must never reach.
HIDDEN = {
    "counselor": ("B", "F"),
    "office staff": ("B", "F"),
    "bureau administrator": ("F",),
    "superuser": (),
}


def _user(role: str, world: World):
    office = world.a.office
    if role == "counselor":
        user = world.a.counselor.user
        user.groups.add(Group.objects.get(name=COUNSELOR))
        StaffProfile.objects.get_or_create(
            user=user, defaults={"office": office, "bureau": office.bureau}
        )
        return user
    if role == "office staff":
        user = make_user(OFFICE_STAFF, office=office)
        user.user_permissions.set(
            Permission.objects.filter(content_type__app_label__in=DOMAIN_APPS)
        )
        return user
    if role == "bureau administrator":
        return make_user(BUREAU_ADMIN, bureau=world.bureau)
    return UserFactory(username="root", is_superuser=True)


# --- Walking ---


def body_of(response) -> str:
    content = (
        b"".join(response.streaming_content) if response.streaming else response.content or b""
    )
    return content.decode("utf-8", errors="replace")


@dataclass
class Case:
    url: str
    owner: str | None  # the office whose object the URL names, None for a page of no object
    route: str
    name: str | None


def _object_model(route: str):
    parts = route.split("/")
    try:
        return apps.get_model(parts[1], parts[2])
    except (LookupError, IndexError, ValueError):
        return None


def admin_cases(world: World) -> list[Case]:
    """Every admin URL, filled with an object of B and one of F wherever it names an object."""
    cases = []
    labels = sorted({model._meta.app_label for model in admin.site._registry})
    for route, _, name, pattern in url_patterns():
        if not route.startswith("admin/"):
            continue
        params = url_params(pattern)
        if not params:
            cases.append(Case(fill(route, {}), None, route, name))
        elif params == ["app_label"]:
            cases += [
                Case(fill(route, {"app_label": label}), None, route, name) for label in labels
            ]
        elif params == ["url"]:
            cases.append(Case("/admin/no-such-page/", None, route, name))
        elif params == ["content_type_id", "object_id"]:
            for owner in ("B", "F"):
                for model in (Reservation, UsageRecord):
                    obj = owned(model, world, owner).first()
                    ct = ContentType.objects.get_for_model(model)
                    values = {"content_type_id": ct.pk, "object_id": obj.pk}
                    cases.append(Case(fill(route, values), owner, route, name))
        else:
            model = _object_model(route)
            assert model is not None and len(params) == 1, f"unknown admin URL shape: {route}"
            found = []
            for owner in ("B", "F"):
                for obj in owned(model, world, owner).order_by("pk")[:1]:
                    found.append(Case(fill(route, {params[0]: obj.pk}), owner, route, name))
            if model._meta.app_label in DOMAIN_APPS:
                assert any(case.owner == "F" for case in found), (
                    f"the world holds no {model.__name__} of another bureau: add one ({route})"
                )
            if not found:
                # A model no office owns (a group): walked with any of its rows.
                obj = model._default_manager.order_by("pk").first()
                if obj is not None:
                    found.append(Case(fill(route, {params[0]: obj.pk}), None, route, name))
            cases += found
    return cases


def _typed_values(data: dict) -> set[str]:
    values = set()
    for value in data.values():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and item:
                values.add(item)
    return values


class Walk:
    def __init__(self, world: World, role: str, client: Client):
        self.world, self.role, self.client = world, role, client
        self.hidden = HIDDEN[role]
        self.markers = [m for owner in self.hidden for m in world.places[owner].markers]
        if "F" in self.hidden:
            self.markers.append("Windows Phone")  # only F's visitors' system (figures)
        self.problems: list[str] = []
        self.statuses: dict[tuple[str, str], int] = {}

    def check(self, method: str, case: Case, response, typed: set[str] = frozenset()) -> None:
        where = f"{self.role}: {method} {case.url}"
        status = response.status_code
        self.statuses[(method, case.url)] = status
        if status >= 500:
            self.problems.append(f"{where}: {status}")
        body = body_of(response)
        for marker in self.markers:
            if marker in body and marker not in typed:
                self.problems.append(f"{where} ({status}): shows {marker!r}")
        if case.owner in self.hidden and status not in (403, 404, 405):
            self.problems.append(f"{where}: {status} for an object of office {case.owner}")

    def get(self, case: Case, query: dict | None = None) -> None:
        url = case.url
        response = self.client.get(url, query or {})
        self.check("GET", Case(url, case.owner, case.route, case.name), response, _typed(query))

    def post(self, case: Case, data: dict) -> None:
        response = self.client.post(case.url, data)
        self.check("POST", case, response, _typed_values(data))


def _typed(query: dict | None) -> set[str]:
    return _typed_values(query or {})


def _probes(world: World, hidden: tuple[str, ...], name: str | None) -> list[dict]:
    """Query strings that name other offices' data: a page must not answer with it.

    A list is searched for another office's number and tag (and filtered by its office); a
    custom page gets every parameter the custom pages read, naming the other office's objects.
    """
    if name is None or name.endswith(("_add", "_change", "_delete", "_history")):
        return []
    if name in {"index", "app_list", "jsi18n", "login", "logout", "password_change_done"}:
        return []
    probes = []
    for owner in hidden:
        place = world.places[owner]
        if name.endswith("_changelist"):
            probes.append({"q": place.jobseekers[0].number})
            probes.append({"q": place.tag, "office__id__exact": str(place.office.pk)})
            continue
        probes.append(
            {
                "q": place.jobseekers[0].number,
                "date": TODAY.isoformat(),
                "counselor": str(place.counselor.pk),
                "office": str(place.office.pk),
                "jobseeker": str(place.jobseekers[0].pk),
                "days": "400",
            }
        )
    return probes


def _post_data(world: World, owner: str) -> dict:
    """A form filled with another office's objects, for every page that takes a POST."""
    place = world.places[owner]
    return {
        "action": "start",
        "counselor": place.counselor.pk,
        "office": place.office.pk,
        "bureau": place.office.bureau_id,
        "jobseeker": place.jobseekers[0].pk,
        "slot": place.slot_free.pk,
        "previous": place.reservations[1].pk,
        "user": place.users[0].pk,
        "starts_at_0": TODAY.isoformat(),
        "starts_at_1": "16:00",
        "date": (TODAY + dt.timedelta(days=50)).isoformat(),
        "since": (TODAY - dt.timedelta(days=30)).isoformat(),
        "until": TODAY.isoformat(),
        "reason": "法令に基づく照会への回答のため（走査）",
        "weekday": "2",
        "start_time": "13:00",
        "end_time": "15:00",
        "valid_from": TODAY.isoformat(),
    }


def walk(world: World, role: str) -> Walk:
    user = _user(role, world)
    client = staff_login(Client(), user)
    state = Walk(world, role, client)
    super_user = role == "superuser"
    for case in admin_cases(world):
        if case.owner is None and super_user:
            continue  # the superuser's walk only proves that the objects' URLs are real
        if case.owner is None:
            state.get(case)
            for query in _probes(world, state.hidden, case.name):
                state.get(case, query)
            posted = case.name not in NOT_POSTED and not case.name.endswith("_changelist")
            if not super_user and posted:  # (a list's POST is an action: below)
                for owner in state.hidden:
                    state.post(case, _post_data(world, owner))
            continue
        if case.route.endswith("<path:object_id>/"):
            continue  # only redirects to .../change/, whatever the id; that page is walked
        state.get(case)
        if case.owner in state.hidden and case.name not in NOT_POSTED:
            state.post(case, _post_data(world, case.owner))
    if not super_user:
        _walk_actions(world, state)
        _walk_autocompletes(world, state)
    # (?index=1: a counselor's home is otherwise their day, a redirect.)
    home = client.get(reverse("admin:index") + "?index=1")
    assert home.status_code == 200, "the walk logged itself out"
    return state


def _walk_autocompletes(world: World, state: Walk) -> None:
    """Every autocomplete field of every form, searched for another office's tag and number.

    (The admin's one JSON endpoint: it answers from the target model's admin queryset.)
    """
    url = reverse("admin:autocomplete")
    for model, model_admin in admin.site._registry.items():
        for field_name in model_admin.autocomplete_fields:
            for owner in state.hidden:
                for term in (world.places[owner].tag, world.places[owner].jobseekers[0].number):
                    query = {
                        "app_label": model._meta.app_label,
                        "model_name": model._meta.model_name,
                        "field_name": field_name,
                        "term": term,
                    }
                    state.get(Case(url, None, url, "autocomplete"), query)


def _walk_actions(world: World, state: Walk) -> None:
    """Every action of every list, posted with the ids of objects the role does not see."""
    for model, model_admin in admin.site._registry.items():
        ids = [
            pk
            for owner in state.hidden
            for pk in owned(model, world, owner).values_list("pk", flat=True)
        ]
        if not ids:
            continue
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for action in model_admin._get_base_actions():
            data = {
                "action": action.name,
                "index": "0",
                "_selected_action": [str(pk) for pk in ids],
                "post": "yes",  # delete_selected's confirmation
                "apply": "1",  # generate_slots' form
                "weeks": "1",
            }
            case = Case(url, None, url, action.name)
            state.post(case, data)


@pytest.fixture
def world(time_machine):
    time_machine.move_to(CLOCK, tick=False)
    return World()


@pytest.mark.parametrize("role", ROLES)
def test_no_admin_url_shows_or_changes_another_offices_data(world, role):
    hidden = HIDDEN[role]
    before = snapshot(world, hidden)
    state = walk(world, role)
    assert not state.problems, f"{len(state.problems)} problems:\n" + "\n".join(state.problems)
    after = snapshot(world, hidden)
    changed = sorted(key for key in before if before[key] != after[key])
    assert not changed, f"{role} changed rows of another office: {changed}"
    # Not vacuous: the role's own pages answered.
    assert sum(1 for status in state.statuses.values() if status == 200) > 20


def test_the_superuser_walk_names_real_objects(world):
    """Each URL filled with another office's object opens for the superuser: the walk above
    asks for real objects, so its 404s are the scope's, not a wrong id's."""
    state = walk(world, "superuser")
    assert not state.problems, "\n".join(state.problems)
    # (view_on_site answers 404 for every object: no model of the portal has a public page.)
    missing = [
        url
        for (method, url), status in state.statuses.items()
        if method == "GET"
        and status == 404
        and url != "/admin/no-such-page/"
        and not url.startswith("/admin/r/")
    ]
    assert not missing, missing


def test_a_bureau_administrator_sees_the_other_office_of_the_bureau(world, client):
    """The bureau administrator's walk hides F because of the scope, not for lack of access."""
    staff_login(client, _user("bureau administrator", world))
    reservation = world.b.reservations[0]
    page = client.get(reverse("admin:bookings_reservation_change", args=[reservation.pk]))
    assert page.status_code == 200
    assert reservation.reference in page.content.decode()
    rows = _export(client, reason="法令に基づく照会への回答のため")
    paths = {row["path"] for row in rows}
    assert paths == {"/book/own/0/", "/book/own/1/", "/book/越境B/0/", "/book/越境B/1/", "/"}


def _export(client, *, reason: str, number: str = "") -> list[dict]:
    response = client.post(
        reverse("admin:jobseekers_usagerecord_export"),
        {
            "since": (TODAY - dt.timedelta(days=1)).isoformat(),
            "until": TODAY.isoformat(),
            "number": number,
            "reason": reason,
        },
    )
    assert response.status_code == 200 and response.streaming, body_of(response)[:500]
    return list(csv.DictReader(io.StringIO(body_of(response).lstrip("\ufeff"))))


def test_an_export_for_a_number_of_another_bureau_reads_as_an_unknown_number(world, client):
    """Asking for F's jobseeker answers exactly as for a number nobody has (no oracle)."""
    staff_login(client, _user("bureau administrator", world))
    url = reverse("admin:jobseekers_usagerecord_export")
    data = {
        "since": TODAY.isoformat(),
        "until": TODAY.isoformat(),
        "reason": "法令に基づく照会への回答のため",
    }
    foreign = client.post(url, {**data, "number": world.f.jobseekers[0].number})
    unknown = client.post(url, {**data, "number": "99999-00000001"})
    assert foreign.status_code == unknown.status_code == 200
    assert not foreign.streaming and not unknown.streaming
    assert foreign.context["form"].errors == unknown.context["form"].errors
    assert "number" in foreign.context["form"].errors
    assert not UsageExport.objects.filter(jobseeker__office=world.f.office).exists()
    # The bureau's own jobseeker of B is exported.
    rows = _export(client, reason=data["reason"], number=world.b.jobseekers[0].number)
    assert [row["jobseeker_number"] for row in rows] == [world.b.jobseekers[0].number]


def _roster_rows(client, world: World, rows: list[str]):
    upload = SimpleUploadedFile("roster.csv", "\n".join(rows).encode(), content_type="text/csv")
    response = client.post(
        reverse("admin:jobseekers_jobseeker_roster"),
        {"action": "preview", "office": world.a.office.pk, "file": upload},
    )
    assert response.status_code in (200, 400)
    return response, [(row.errors, row.jobseeker_id) for row in response.context["preview"].rows]


def _row(jobseeker) -> str:
    return f"{jobseeker.number},{jobseeker.family_name} {jobseeker.given_name},2027/03/31"


def test_the_roster_preview_tells_office_staff_nothing_about_other_offices(world, client):
    """A number registered with office B or with another bureau reads as a number nobody has."""
    staff_login(client, _user("office staff", world))
    response, rows = _roster_rows(
        client,
        world,
        [
            _row(world.b.jobseekers[0]),
            _row(world.f.jobseekers[0]),
            "33331-00000099,誰か まだ,2027/03/31",
        ],
    )
    assert rows == [([], None), ([], None), ([], None)]
    assert response.context["preview"].ok
    # Importing them keeps the rows for the office and verifies no one of B or F.
    others = [world.b.jobseekers[0], world.f.jobseekers[0]]
    trail = set(AuditEntry.objects.filter(jobseeker__in=others).values_list("pk", flat=True))
    token = response.context["token"]
    client.post(reverse("admin:jobseekers_jobseeker_roster"), {"action": "import", "token": token})
    assert RosterEntry.objects.filter(office=world.a.office).count() == 4
    for jobseeker in others:
        before = jobseeker.registration_status, jobseeker.registration_valid_until
        jobseeker.refresh_from_db()
        assert (jobseeker.registration_status, jobseeker.registration_valid_until) == before
    assert set(AuditEntry.objects.filter(jobseeker__in=others).values_list("pk", flat=True)) == (
        trail
    )


def test_the_roster_preview_names_the_bureaus_other_office_to_its_administrator(world, client):
    """The bureau administrator sees office B: the row is refused; F's reads as unknown."""
    staff_login(client, _user("bureau administrator", world))
    _, rows = _roster_rows(
        client, world, [_row(world.b.jobseekers[0]), _row(world.f.jobseekers[0])]
    )
    (b_errors, _), f_row = rows
    assert len(b_errors) == 1 and "他の所" in b_errors[0]
    assert f_row == ([], None)
