"""The Art 14 notice: every jobseeker with an active registration is told once, in batches."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from consent.services import terms_draft_create, terms_publish
from jobseekers.models import EmailProblem
from notifications.models import Notification, NotificationKind, NotificationStatus
from notifications.services.delivery import notification_send
from notifications.terms_notices import terms_notices_pending, terms_notices_queue_batch
from notifications.terms_tasks import terms_notices_resume_task, terms_notices_task
from tests.factories import (
    BureauFactory,
    JobseekerFactory,
    OfficeFactory,
    TermsVersionFactory,
)

# The outcome depends on the date the suite runs at: `make test-dates` runs it at each date.
pytestmark = pytest.mark.dates


@pytest.fixture
def world():
    office = OfficeFactory()
    TermsVersionFactory(bureau=office.bureau, label="v1")
    now = timezone.now()
    draft = terms_draft_create(
        bureau=office.bureau,
        label="v2",
        body="改正後の全文",
        summary="第9条の引用を職業安定法第5条の5に改めました。",
        summary_en="Article 9 now cites Article 5-5 of the Employment Security Act.",
        effective_from=now + dt.timedelta(days=30),
    )
    version = terms_publish(version=draft, now=now)
    active = [JobseekerFactory(office=office) for _ in range(5)]
    today = timezone.localdate()
    skipped = [
        JobseekerFactory(office=office, registration_valid_until=today - dt.timedelta(days=1)),
        JobseekerFactory(office=office, email_verified_at=None),
        JobseekerFactory(office=office, email_problem=EmailProblem.BOUNCED),
        JobseekerFactory(office=office, anonymised_at=now),
        JobseekerFactory(office=OfficeFactory(bureau=BureauFactory(code="tottori"))),
    ]
    return version, active, skipped


def _send_everything():
    for pk in Notification.objects.values_list("pk", flat=True):
        notification_send(notification_id=pk)


@pytest.mark.django_db
def test_every_jobseeker_with_an_active_registration_gets_one_notice(world):
    version, active, skipped = world
    written, remaining = terms_notices_queue_batch(version_id=version.pk)
    assert (written, remaining) == (5, False)
    notices = Notification.objects.filter(kind=NotificationKind.TERMS_CHANGE)
    assert sorted(notices.values_list("jobseeker_id", flat=True)) == sorted(j.pk for j in active)
    assert {n.idempotency_key for n in notices} == {
        f"terms_change:{version.pk}:{j.pk}" for j in active
    }
    version.refresh_from_db()
    assert version.notices_queued_at is not None


@pytest.mark.django_db
def test_each_jobseeker_is_notified_once_even_when_the_batch_task_runs_twice(world):
    version, active, skipped = world
    terms_notices_task(version.pk)
    terms_notices_task(version.pk)
    # A second writer that started before the first finished is a no-op too.
    TermsVersionModel = type(version)
    TermsVersionModel.objects.filter(pk=version.pk).update(notices_queued_at=None)
    terms_notices_task(version.pk)
    _send_everything()
    _send_everything()
    assert Notification.objects.count() == 5
    assert sorted(m.to[0] for m in mail.outbox) == sorted(j.email for j in active)
    assert set(Notification.objects.values_list("status", flat=True)) == {NotificationStatus.SENT}


@pytest.mark.django_db
def test_batches_resume_where_a_lost_worker_stopped(world):
    version, active, skipped = world
    assert terms_notices_queue_batch(version_id=version.pk, batch_size=2) == (2, True)
    # The worker is lost here; beat finds the version unfinished and starts it again.
    assert terms_notices_pending() == [version.pk]
    assert terms_notices_resume_task() == 1
    assert terms_notices_queue_batch(version_id=version.pk, batch_size=2) == (2, True)
    assert terms_notices_queue_batch(version_id=version.pk, batch_size=2) == (1, False)
    assert terms_notices_pending() == []
    assert terms_notices_queue_batch(version_id=version.pk, batch_size=2) == (0, False)
    assert Notification.objects.count() == 5


@pytest.mark.django_db
def test_the_notice_states_the_summary_the_link_and_the_effective_date(world):
    version, active, skipped = world
    english = active[0]
    english.preferred_language = "en"
    english.save()
    terms_notices_queue_batch(version_id=version.pk)
    _send_everything()
    link = f"http://testserver/terms/version/{version.pk}/"
    japanese = next(m for m in mail.outbox if m.to == [active[1].email])
    assert "利用規約" in japanese.subject
    assert "第9条の引用を職業安定法第5条の5に改めました。" in japanese.body
    assert link in japanese.body
    day = version.effective_from.astimezone(dt.UTC).astimezone(timezone.get_default_timezone())
    assert f"{day.year}年{day.month}月{day.day}日" in japanese.body
    in_english = next(m for m in mail.outbox if m.to == [english.email])
    assert "Article 9 now cites Article 5-5" in in_english.body
    assert "take effect" in in_english.body
    assert link in in_english.alternatives[0][0]
