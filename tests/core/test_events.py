"""Domain events (core/events.py): every one is heard, and an unheard one is an error."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from core.events import EVENTS, DomainEvent


def test_every_domain_event_has_a_receiver():
    assert {event.name for event in EVENTS} >= {
        "bookings.reservation_booked",
        "bookings.reservation_cancelled",
        "bookings.reservations_no_show",
        "bookings.reservation_moved",
        "consent.terms_version_published",
        "jobseekers.sign_in_link_created",
        "jobseekers.sign_in_address_unknown",
        "jobseekers.registration_confirmed",
        "jobseekers.jobseeker_anonymised",
        "jobseekers.identification_purged",
    }
    unheard = [event.name for event in EVENTS if not event.has_listeners(None)]
    assert unheard == []


def test_an_event_nothing_receives_is_refused_not_lost():
    event = DomainEvent("tests.unheard")
    try:
        with pytest.raises(ImproperlyConfigured, match="tests.unheard"):
            event.send(sender=None)
        with pytest.raises(TypeError):
            event.send_robust(sender=None)
    finally:
        EVENTS.remove(event)
