"""Fixtures of the jobseeker's journey: a bookable world and a signed-in browser session."""

import datetime as dt
import time

import pytest
from django.core.cache import cache

from bookings.checklist import CHECKLIST_KEYS
from bookings.views import (
    SESSION_CHECKLIST,
    SESSION_DETAILS,
    SESSION_JOBSEEKER,
    SESSION_SIGNED_IN_AT,
    SESSION_SLOT,
)
from tests.factories import (
    ConsentFactory,
    CounselorFactory,
    JobseekerFactory,
    OfficeFactory,
    SlotFactory,
    TermsVersionFactory,
    tokyo,
)

# A Tuesday; the slot below is on Thursday 3 December 2026.
NOW = tokyo(2026, 12, 1, 10, 0)
SLOT_START = tokyo(2026, 12, 3, 10, 0)
FULL_CHECKLIST = dict.fromkeys(CHECKLIST_KEYS, True)


@pytest.fixture(autouse=True)
def _empty_cache():
    # Rate-limit counters live in the cache; one test's attempts must not count in the next.
    cache.clear()
    yield
    cache.clear()


class World:
    def __init__(self):
        self.office = OfficeFactory()
        self.counselor = CounselorFactory(office=self.office)
        self.terms = TermsVersionFactory(bureau=self.office.bureau)
        self.jobseeker = JobseekerFactory(
            office=self.office, number=f"{self.office.registration_code}-55550001"
        )
        ConsentFactory(jobseeker=self.jobseeker, terms_version=self.terms)
        self.slot = SlotFactory(counselor=self.counselor, starts_at=SLOT_START)

    def slot_at(self, starts_at: dt.datetime, counselor=None):
        return SlotFactory(counselor=counselor or self.counselor, starts_at=starts_at)


@pytest.fixture
def world(db) -> World:
    return World()


def sign_in_client(client, jobseeker, *, checklist=True, slot=None, details=None):
    """Put a jobseeker's journey in the test client's session, as the sign-in link would."""
    session = client.session
    session[SESSION_JOBSEEKER] = jobseeker.pk
    # Signed in now (the test's clock), as the sign-in link records it.
    session[SESSION_SIGNED_IN_AT] = int(time.time())
    if checklist:
        session[SESSION_CHECKLIST] = dict(FULL_CHECKLIST)
    if slot is not None:
        session[SESSION_SLOT] = slot.pk
    if details is not None:
        session[SESSION_DETAILS] = details
    session.save()
    return client
