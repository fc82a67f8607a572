"""The broker away: a send is left to the sweep, logged, and costs a request once per cool-down.

The Celery app of this process is pointed at a private Redis that the test kills
(tests/faults/services.py), never at the machine's shared one.
"""

import datetime as dt
import time

import pytest
from django.utils import timezone

from consent.services import terms_publish
from notifications import queue
from tests.factories import JobseekerFactory, OfficeFactory, TermsVersionFactory
from tests.faults.services import PrivateRedis
from tests.notifications.worker import point_app_at, restore_app

pytestmark = pytest.mark.faults


@pytest.fixture
def broker_away(tmp_path):
    server = PrivateRedis(tmp_path).start()
    saved = point_app_at(server.url, {"socket_connect_timeout": 1})
    server.stop()
    try:
        yield server
    finally:
        restore_app(saved)
        server.stop()


def test_a_refused_publish_is_left_to_the_sweep_and_not_tried_again_at_once(broker_away, caplog):
    assert queue.publish(queue.SEND_TASK, (1,)) is False
    began = time.monotonic()
    for pk in range(2, 52):
        assert queue.publish(queue.SEND_TASK, (pk,)) is False
    assert time.monotonic() - began < 0.2  # fifty sends did not try the broker
    assert [r.levelname for r in caplog.records if "unreachable" in r.getMessage()] == ["WARNING"]


def test_the_broker_is_tried_again_after_the_cool_down(broker_away, monkeypatch):
    assert queue.publish(queue.SEND_TASK, (1,)) is False
    broker_away.start()
    monkeypatch.setattr(queue._broker, "_open_until", time.monotonic() - 1)
    assert queue.publish(queue.SEND_TASK, (1,)) is True
    assert not queue._broker.is_open


@pytest.mark.dates  # the effective date is judged against today
@pytest.mark.django_db
def test_terms_are_published_while_the_broker_is_down(
    broker_away, django_capture_on_commit_callbacks, caplog
):
    """The Art 14 notices start later (terms_notices_resume, from beat); publishing does not fail."""
    office = OfficeFactory()
    TermsVersionFactory(bureau=office.bureau, label="v1")
    JobseekerFactory(office=office)
    draft = TermsVersionFactory(
        bureau=office.bureau,
        label="v2",
        summary="改正",
        published_at=None,
        notices_queued_at=None,
        effective_from=timezone.now() + dt.timedelta(days=30),
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        version = terms_publish(version=draft)
    assert len(callbacks) == 1  # the notices' task, refused by the broker
    assert any("consent.terms_notices" in r.getMessage() for r in caplog.records)
    assert version.is_published and version.notices_queued_at is None
