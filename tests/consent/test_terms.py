"""Terms versions (Art 14): publishing, immutability, consent asked again from the effective date."""

import datetime as dt

import pytest
import time_machine
from django.db import IntegrityError, transaction

from bookings.errors import ConsentRequired
from bookings.models import ReservationStatus
from bookings.services.reservations import reservation_create
from consent.models import PublishedTermsImmutable, TermsVersion
from consent.selectors import terms_in_force, terms_in_force_and_consent
from consent.services import (
    TermsAlreadyPublished,
    TermsEffectiveDateInvalid,
    TermsIncomplete,
    TermsNotPublished,
    consent_record,
    terms_draft_create,
    terms_draft_update,
    terms_publish,
)
from tests.bookings.conftest import FULL_CHECKLIST
from tests.factories import (
    BureauFactory,
    JobseekerFactory,
    OfficeFactory,
    SlotFactory,
    TermsVersionFactory,
    UserFactory,
    tokyo,
)

V2_EFFECTIVE = tokyo(2026, 12, 1)


def _asked(*, jobseeker, now):
    """The version the journey asks the jobseeker to agree to; None once they have."""
    version, agreed = terms_in_force_and_consent(
        jobseeker_id=jobseeker.pk, bureau_id=jobseeker.office.bureau_id, now=now
    )
    return None if agreed else version


def _draft(bureau, **kwargs):
    fields = {
        "label": "v2",
        "body": "第9条 職業安定法第5条の5に基づき保護されます。",
        "summary": "第9条の条文番号を改めました。",
        "effective_from": V2_EFFECTIVE,
    }
    fields.update(kwargs)
    return terms_draft_create(bureau=bureau, **fields)


@pytest.mark.django_db
def test_publishing_makes_the_draft_public_and_queues_the_notices(
    django_capture_on_commit_callbacks,
):
    v1 = TermsVersionFactory(label="v1")
    draft = _draft(v1.bureau)
    admin = UserFactory()
    now = tokyo(2026, 11, 1, 9)
    with django_capture_on_commit_callbacks() as callbacks:
        published = terms_publish(version=draft, actor=admin, now=now)
    assert published.published_at == now
    assert published.published_by == admin
    assert len(callbacks) == 1
    # Published, but not in force before its effective date.
    assert terms_in_force(bureau_id=v1.bureau_id, now=now) == v1
    assert terms_in_force(bureau_id=v1.bureau_id, now=V2_EFFECTIVE) == published


@pytest.mark.django_db
def test_a_version_is_published_once():
    draft = _draft(BureauFactory())
    terms_publish(version=draft, now=tokyo(2026, 11, 1))
    with pytest.raises(TermsAlreadyPublished):
        terms_publish(version=draft, now=tokyo(2026, 11, 2))


@pytest.mark.django_db
def test_a_published_version_cannot_be_changed_by_the_service_or_the_model():
    draft = _draft(BureauFactory())
    terms_draft_update(version=draft, summary="要約を直しました。")
    terms_publish(version=draft, now=tokyo(2026, 11, 1))
    with pytest.raises(TermsAlreadyPublished):
        terms_draft_update(version=draft, body="書き換え")
    version = TermsVersion.objects.get(pk=draft.pk)
    version.body = "書き換え"
    with pytest.raises(PublishedTermsImmutable):
        version.save()
    with pytest.raises(PublishedTermsImmutable):
        TermsVersion.objects.get(pk=draft.pk).delete()
    assert TermsVersion.objects.get(pk=draft.pk).body == draft.body


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.parametrize(
    "change",
    [
        {"body": "書き換え"},
        {"summary": ""},
        {"label": "v9"},
        {"effective_from": tokyo(2027, 1, 1)},
        {"published_at": None},
    ],
)
def test_the_database_refuses_any_sql_that_changes_a_published_version(change):
    version = TermsVersionFactory()
    with pytest.raises(IntegrityError, match="cannot be changed"), transaction.atomic():
        TermsVersion.objects.filter(pk=version.pk).update(**change)


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_database_refuses_to_delete_a_published_version_but_allows_drafts():
    version = TermsVersionFactory()
    with pytest.raises(IntegrityError, match="cannot be deleted"), transaction.atomic():
        TermsVersion.objects.filter(pk=version.pk).delete()
    draft = TermsVersionFactory(published_at=None)
    TermsVersion.objects.filter(pk=draft.pk).update(body="下書きは直せます")
    TermsVersion.objects.filter(pk=draft.pk).delete()
    # The notice bookkeeping is the one column that may still change.
    TermsVersion.objects.filter(pk=version.pk).update(notices_queued_at=tokyo(2026, 1, 1))


@pytest.mark.django_db
def test_the_effective_date_must_lie_ahead_when_a_version_is_in_force():
    v1 = TermsVersionFactory(effective_from=tokyo(2024, 4, 1))
    past = _draft(v1.bureau, effective_from=tokyo(2026, 10, 1))
    with pytest.raises(TermsEffectiveDateInvalid):
        terms_publish(version=past, now=tokyo(2026, 11, 1))
    before_v1 = _draft(v1.bureau, label="v0", effective_from=tokyo(2024, 1, 1))
    with pytest.raises(TermsEffectiveDateInvalid):
        terms_publish(version=before_v1, now=tokyo(2023, 6, 1))


@pytest.mark.django_db
def test_a_change_needs_its_summary_but_a_first_version_does_not():
    bureau = BureauFactory(code="tottori")
    first = _draft(bureau, label="v1", summary="", effective_from=tokyo(2026, 1, 1))
    terms_publish(version=first, now=tokyo(2026, 6, 1))
    second = _draft(bureau, summary="  ")
    with pytest.raises(TermsIncomplete):
        terms_publish(version=second, now=tokyo(2026, 11, 1))


@pytest.mark.django_db
def test_a_draft_cannot_be_agreed_to():
    draft = _draft(BureauFactory())
    with pytest.raises(TermsNotPublished):
        consent_record(jobseeker=JobseekerFactory(), terms_version=draft)


SLOT_START = tokyo(2026, 12, 10, 10, 0)


def _world():
    office = OfficeFactory()
    v1 = TermsVersionFactory(bureau=office.bureau, label="v1", effective_from=tokyo(2024, 4, 1))
    jobseeker = JobseekerFactory(office=office)
    consent_record(jobseeker=jobseeker, terms_version=v1, now=tokyo(2026, 10, 1))
    v2 = terms_publish(version=_draft(office.bureau), now=tokyo(2026, 11, 1))
    return office, jobseeker, v1, v2


@pytest.mark.django_db
def test_consent_is_not_asked_again_before_the_effective_date():
    office, jobseeker, v1, v2 = _world()
    slot = SlotFactory(counselor__office=office, starts_at=SLOT_START)
    with time_machine.travel(V2_EFFECTIVE - dt.timedelta(seconds=1), tick=False):
        assert _asked(jobseeker=jobseeker, now=V2_EFFECTIVE - dt.timedelta(seconds=1)) is None
        reservation = reservation_create(
            slot=slot, jobseeker=jobseeker, environment_checklist=dict(FULL_CHECKLIST)
        )
    assert reservation.status == ReservationStatus.CONFIRMED


@pytest.mark.django_db
def test_consent_is_asked_again_from_the_effective_date():
    office, jobseeker, v1, v2 = _world()
    slot = SlotFactory(counselor__office=office, starts_at=SLOT_START)
    with time_machine.travel(V2_EFFECTIVE, tick=False):
        assert _asked(jobseeker=jobseeker, now=V2_EFFECTIVE) == v2
        assert not terms_in_force_and_consent(
            jobseeker_id=jobseeker.pk, bureau_id=office.bureau_id, now=V2_EFFECTIVE
        )[1]
        with pytest.raises(ConsentRequired):
            reservation_create(
                slot=slot, jobseeker=jobseeker, environment_checklist=dict(FULL_CHECKLIST)
            )
        consent_record(jobseeker=jobseeker, terms_version=v2, ip_address="192.0.2.7")
        assert _asked(jobseeker=jobseeker, now=V2_EFFECTIVE) is None
        reservation = reservation_create(
            slot=slot, jobseeker=jobseeker, environment_checklist=dict(FULL_CHECKLIST)
        )
    assert reservation.status == ReservationStatus.CONFIRMED
    consent = jobseeker.consents.get(terms_version=v2)
    assert (consent.given_at, consent.channel, consent.ip_address) == (
        V2_EFFECTIVE,
        "web",
        "192.0.2.7",
    )


@pytest.mark.django_db
def test_agreeing_early_to_an_announced_version_counts_from_its_effective_date():
    office, jobseeker, v1, v2 = _world()
    consent_record(jobseeker=jobseeker, terms_version=v2, now=tokyo(2026, 11, 5))
    assert _asked(jobseeker=jobseeker, now=V2_EFFECTIVE) is None
