"""What the browser journeys share: a bookable office, the local outbox, the worker, staff logins."""

import datetime as dt
from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from bookings.models import Slot
from core.calendar import TOKYO, is_closed, tokyo_date
from notifications.models import Notification, NotificationStatus
from notifications.services.delivery import notification_send
from tests.factories import (
    CounselorFactory,
    JobseekerFactory,
    OfficeFactory,
    SlotFactory,
    StaffProfileFactory,
    TermsVersionFactory,
    UserFactory,
)
from tests.helpers import staff_login

from .outbox import Outbox

# What each role may do in the admin (as the groups of bookings/migrations give it).
_COUNSELOR = [
    "view_office",
    "view_counselor",
    "view_weeklyavailability",
    "add_slot",
    "change_slot",
    "view_slot",
    "add_reservation",
    "change_reservation",
    "view_reservation",
    "view_jobseeker",
]
ROLE_PERMISSIONS = {
    "Counselor": _COUNSELOR,
    "Office staff": [
        *_COUNSELOR,
        "phone_reservation",
        "change_counselor",
        "view_officeclosedday",
        "add_officeclosedday",
        "change_officeclosedday",
        "add_weeklyavailability",
        "change_weeklyavailability",
        "add_rosterentry",
        "view_rosterentry",
        "add_jobseeker",
        "change_jobseeker",
        "view_notification",
        "view_consent",
    ],
}

PHONE = (375, 667)
DESKTOP = (1280, 800)


def next_open_day(after: dt.date, *, at_least: int = 2) -> dt.date:
    """The first open office day at least `at_least` days after `after` (past the cut-off)."""
    day = after + dt.timedelta(days=at_least)
    while is_closed(day):
        day += dt.timedelta(days=1)
    return day


@dataclass
class World:
    office: object
    counselor: object
    terms: object
    day: dt.date
    slots: list[Slot] = field(default_factory=list)

    def jobseeker(self, **kwargs):
        kwargs.setdefault("office", self.office)
        return JobseekerFactory(**kwargs)

    def staff(self, *, username: str = "staff", role: str = "Office staff"):
        """A staff user of the office with a role's permissions (the groups of issue 5).

        Transactional tests empty the tables between tests, the groups of the data migration
        included, so the permissions are given by codename here.
        """
        user = UserFactory(username=username)
        return self.grant(user, role)

    def grant(self, user, role: str):
        if not hasattr(user, "staff_profile"):
            StaffProfileFactory(user=user, office=self.office)
        perms = Permission.objects.filter(codename__in=ROLE_PERMISSIONS[role])
        user.user_permissions.add(*perms)
        return user


@pytest.fixture
def world(transactional_db) -> World:
    cache.clear()  # rate-limit counters of an earlier test
    office = OfficeFactory(
        code="okayama-b",
        registration_code="33010",
        name="ハローワーク岡山",
        name_en="Hello Work Okayama",
        phone="086-000-0000",
    )
    counselor = CounselorFactory(office=office, display_name="相談員 佐藤")
    terms = TermsVersionFactory(
        bureau=office.bureau,
        body="第1条（目的）この規約は、オンライン職業相談の利用について定める。",
        body_en="Article 1 (Purpose) These terms govern the online job consultation.",
    )
    day = next_open_day(tokyo_date(timezone.now()))
    world = World(office=office, counselor=counselor, terms=terms, day=day)
    for hour, minute in ((10, 0), (10, 30), (11, 0), (13, 30)):
        world.slots.append(
            SlotFactory(
                counselor=counselor,
                starts_at=dt.datetime.combine(day, dt.time(hour, minute), tzinfo=TOKYO),
            )
        )
    return world


@pytest.fixture
def outbox(settings, tmp_path) -> Outbox:
    box = Outbox(tmp_path / "outbox")
    box.folder.mkdir()
    settings.MAILERS = box.mailer_settings()
    return box


@pytest.fixture
def site_url(settings, live_url) -> str:
    """Links in emails point at the live server, as SITE_URL does in production."""
    settings.SITE_URL = live_url
    return live_url


def run_worker() -> int:
    """Do what the Celery worker does with the queued outbox rows; returns how many were sent."""
    sent = 0
    for pk in Notification.objects.filter(status=NotificationStatus.QUEUED).values_list(
        "pk", flat=True
    ):
        notification_send(notification_id=pk)
        sent += 1
    return sent


def admin_context(browser, live_url: str, user, **context_args):
    """A browser context signed in to the admin (both factors, as tests.helpers.staff_login)."""
    client = staff_login(Client(), user)
    context = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo", **context_args)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_url,
            }
        ]
    )
    return context


def shots(page, snap, name: str) -> None:
    """Screenshots of the current page at a phone's size and a desktop's (test-artifacts/)."""
    original = page.viewport_size
    for width, height in (PHONE, DESKTOP):
        page.set_viewport_size({"width": width, "height": height})
        snap(page, f"{name}-{width}x{height}")
    if original:
        page.set_viewport_size(original)
