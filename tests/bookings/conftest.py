"""Fixtures of the jobseeker's journey: a bookable world and a signed-in browser session."""

import datetime as dt

import pytest
from django.core.cache import cache

from bookings.checklist import CHECKLIST_KEYS
from tests.factories import (
    ConsentFactory,
    CounselorFactory,
    JobseekerFactory,
    OfficeFactory,
    SlotFactory,
    TermsVersionFactory,
    tokyo,
)
from tests.helpers import sign_in_client  # noqa: F401 - the journey's tests import it from here

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
