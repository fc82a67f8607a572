"""Admin: terms drafted, previewed and published by the bureau administrator; consent history and
the audit trail seen by the staff of the jobseeker's office."""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from consent.models import TermsVersion
from jobseekers.models import AuditAction, AuditEntry
from tests.factories import (
    ConsentFactory,
    JobseekerFactory,
    OfficeFactory,
    StaffProfileFactory,
    TermsVersionFactory,
    UserFactory,
)
from tests.helpers import staff_login


def _bureau_administrator(bureau):
    user = UserFactory()
    StaffProfileFactory(user=user, office=None, bureau=bureau)
    return user


def _office_staff(office, *perms):
    user = UserFactory()
    StaffProfileFactory(user=user, office=office)
    user.user_permissions.set(Permission.objects.filter(codename__in=perms))
    return user


@pytest.fixture
def office():
    office = OfficeFactory()
    TermsVersionFactory(bureau=office.bureau, label="v1")
    return office


def _draft_data(office, **kwargs):
    effective = timezone.localtime() + dt.timedelta(days=30)
    data = {
        "bureau": office.bureau.pk,
        "label": "v2",
        "effective_from_0": effective.date().isoformat(),
        "effective_from_1": "00:00:00",
        "summary": "第9条の引用を改めました。",
        "summary_en": "Article 9 corrected.",
        "body": "改正後の全文",
        "body_en": "",
    }
    data.update(kwargs)
    return data


@pytest.mark.django_db
def test_the_bureau_administrator_drafts_previews_and_publishes(
    client, office, django_capture_on_commit_callbacks
):
    JobseekerFactory(office=office)
    admin = _bureau_administrator(office.bureau)
    staff_login(client, admin)
    response = client.post("/admin/consent/termsversion/add/", _draft_data(office))
    assert response.status_code == 302, response.content.decode()[:3000]
    draft = TermsVersion.objects.get(label="v2")
    assert draft.created_by == admin and not draft.is_published
    preview = client.get(f"/admin/consent/termsversion/{draft.pk}/preview/")
    assert preview.status_code == 200
    html = preview.content.decode()
    assert "改正後の全文" in html and "第9条の引用を改めました。" in html
    assert "Article 9 corrected." in html  # the English notice, as jobseekers will get it
    assert client.get(f"/terms/version/{draft.pk}/").status_code == 404
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(f"/admin/consent/termsversion/{draft.pk}/publish/")
    assert response.status_code == 302
    assert len(callbacks) == 1
    draft.refresh_from_db()
    assert draft.is_published and draft.published_by == admin
    assert client.get(f"/terms/version/{draft.pk}/").status_code == 200
    assert client.get(f"/admin/consent/termsversion/{draft.pk}/publish/").status_code == 405


@pytest.mark.django_db
def test_a_published_version_is_read_only_in_the_admin(client, office):
    version = TermsVersion.objects.get(label="v1")
    staff_login(client, _bureau_administrator(office.bureau))
    page = client.get(f"/admin/consent/termsversion/{version.pk}/change/")
    assert page.status_code == 200
    assert 'name="body"' not in page.content.decode()
    response = client.post(
        f"/admin/consent/termsversion/{version.pk}/change/", _draft_data(office, body="改ざん")
    )
    assert response.status_code == 403
    assert client.post(f"/admin/consent/termsversion/{version.pk}/delete/").status_code == 403
    version.refresh_from_db()
    assert version.body != "改ざん"


@pytest.mark.dates  # the effective date is judged against today
@pytest.mark.django_db
def test_publishing_an_invalid_draft_explains_why(client, office):
    past = TermsVersionFactory(
        bureau=office.bureau, label="v0", published_at=None, effective_from=timezone.now()
    )
    staff_login(client, _bureau_administrator(office.bureau))
    response = client.post(f"/admin/consent/termsversion/{past.pk}/publish/", follow=True)
    assert response.status_code == 200
    assert "効力発生日" in response.content.decode()
    past.refresh_from_db()
    assert not past.is_published


@pytest.mark.django_db
def test_office_staff_cannot_draft_or_publish(client, office):
    draft = TermsVersionFactory(bureau=office.bureau, label="v9", published_at=None)
    staff = _office_staff(office, "add_termsversion", "change_termsversion", "view_termsversion")
    staff_login(client, staff)
    assert client.get("/admin/consent/termsversion/").status_code == 403
    assert client.get("/admin/consent/termsversion/add/").status_code == 403
    assert client.get(f"/admin/consent/termsversion/{draft.pk}/preview/").status_code == 403
    assert client.post(f"/admin/consent/termsversion/{draft.pk}/publish/").status_code == 403
    draft.refresh_from_db()
    assert not draft.is_published


@pytest.mark.django_db
def test_staff_of_the_office_see_the_consent_history_and_the_view_is_audited(client, office):
    jobseeker = JobseekerFactory(office=office)
    consent = ConsentFactory(
        jobseeker=jobseeker,
        terms_version=TermsVersion.objects.get(label="v1"),
        ip_address="192.0.2.5",
    )
    staff = _office_staff(office, "view_jobseeker", "view_consent")
    staff_login(client, staff)
    page = client.get(f"/admin/jobseekers/jobseeker/{jobseeker.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "192.0.2.5" in html and "v1" in html
    entry = AuditEntry.objects.get(action=AuditAction.VIEW)
    assert client.get(f"/admin/consent/consent/{consent.pk}/change/").status_code == 200
    assert AuditEntry.objects.filter(action=AuditAction.VIEW, detail="consent history").count() == 1
    assert (entry.actor, entry.jobseeker, entry.target) == (
        staff,
        jobseeker,
        f"jobseeker:{jobseeker.pk}",
    )


@pytest.mark.django_db
def test_staff_of_another_office_see_neither_the_record_nor_its_consents(client, office):
    jobseeker = JobseekerFactory(office=office)
    consent = ConsentFactory(
        jobseeker=jobseeker, terms_version=TermsVersion.objects.get(label="v1")
    )
    other = _office_staff(OfficeFactory(bureau=office.bureau), "view_jobseeker", "view_consent")
    staff_login(client, other)
    assert client.get(f"/admin/jobseekers/jobseeker/{jobseeker.pk}/change/").status_code == 404
    assert client.get(f"/admin/consent/consent/{consent.pk}/change/").status_code == 404
    listing = client.get("/admin/consent/consent/").content.decode()
    assert jobseeker.number not in listing
    assert not AuditEntry.objects.filter(action=AuditAction.VIEW).exists()


@pytest.mark.django_db
def test_a_change_by_staff_is_audited_with_field_names_only(client, office):
    jobseeker = JobseekerFactory(office=office, phone="")
    staff = _office_staff(office, "view_jobseeker", "change_jobseeker", "view_consent")
    staff_login(client, staff)
    page = client.get(f"/admin/jobseekers/jobseeker/{jobseeker.pk}/change/")
    form = page.context["adminform"].form
    data = {
        name: (value.pk if hasattr(value, "pk") else value)
        for name, value in form.initial.items()
        if name in form.fields and value is not None
    }
    data.update(
        {
            "phone": "086-000-1234",
            "consents-TOTAL_FORMS": "1",
            "consents-INITIAL_FORMS": "1",
            "consents-MIN_NUM_FORMS": "0",
            "consents-MAX_NUM_FORMS": "1000",
        }
    )
    response = client.post(f"/admin/jobseekers/jobseeker/{jobseeker.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    change = AuditEntry.objects.get(action=AuditAction.CHANGE)
    assert change.actor == staff and change.jobseeker == jobseeker
    assert "phone" in change.detail and "086-000-1234" not in change.detail
