"""Public pages: the terms (in force, announced, earlier) and the privacy notice, in ja and en."""

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from tests.factories import BureauFactory, OfficeFactory, TermsVersionFactory, tokyo

# The outcome depends on the date the suite runs at: `make test-dates` runs it at each date.
pytestmark = pytest.mark.dates


@pytest.fixture
def versions():
    office = OfficeFactory(phone="086-000-0001")
    bureau = office.bureau
    v1 = TermsVersionFactory(
        bureau=bureau, label="v1", body="第9条 職業安定法第5条の4", effective_from=tokyo(2024, 4, 1)
    )
    v2 = TermsVersionFactory(
        bureau=bureau,
        label="v2",
        body="第9条 職業安定法第5条の5",
        summary="第9条の引用を改めました。",
        effective_from=tokyo(2025, 4, 1),
    )
    v3 = TermsVersionFactory(
        bureau=bureau,
        label="v3",
        body="第16条 新設",
        summary="第16条を新設します。",
        summary_en="A new Article 16.",
        effective_from=timezone.now() + dt.timedelta(days=20),
        published_at=timezone.now(),
    )
    draft = TermsVersionFactory(
        bureau=bureau, label="draft", body="秘密の下書き", published_at=None
    )
    return bureau, v1, v2, v3, draft


def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.mark.django_db
def test_the_terms_page_shows_the_version_in_force_the_announced_one_and_the_earlier(
    client, versions
):
    bureau, v1, v2, v3, draft = versions
    response = client.get("/terms/", follow=True)
    assert response.redirect_chain == [(f"/terms/{bureau.code}/", 302)]
    html = response.content.decode()
    assert "第9条 職業安定法第5条の5" in html
    assert "第5条の4" not in html
    assert f'href="/terms/version/{v1.pk}/"' in html
    assert "第16条を新設します。" in html and f'href="/terms/version/{v3.pk}/"' in html
    assert "秘密の下書き" not in html
    assert html.count("<h1") == 1 and 'lang="ja"' in html


@pytest.mark.django_db
def test_each_published_version_has_its_page_and_a_draft_has_none(client, versions):
    bureau, v1, v2, v3, draft = versions
    old = client.get(f"/terms/version/{v1.pk}/").content.decode()
    assert "第5条の4" in old and "失効" in old
    assert "施行中" in client.get(f"/terms/version/{v2.pk}/").content.decode()
    assert client.get(f"/terms/version/{draft.pk}/").status_code == 404
    assert client.get("/terms/version/999999/").status_code == 404
    assert client.get("/terms/nowhere/").status_code == 404


@pytest.mark.django_db
def test_the_terms_pages_are_complete_in_english(client, versions):
    bureau, v1, v2, v3, draft = versions
    _english(client)
    html = client.get(f"/terms/{bureau.code}/").content.decode()
    assert "Terms of use of the online job consultation" in html
    assert "the Japanese text below is the authoritative version" in html
    assert "A new Article 16." in html
    assert "Earlier versions" in html


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/terms/", "/privacy/"])
def test_public_pages_refuse_post(client, versions, url):
    assert client.post(url).status_code == 405


@pytest.mark.django_db
def test_several_bureaus_get_a_list(client, versions):
    OfficeFactory(bureau=BureauFactory(code="tottori", name="鳥取労働局"))
    html = client.get("/terms/").content.decode()
    assert 'href="/terms/tottori/"' in html and 'href="/terms/okayama/"' in html


@pytest.mark.django_db
def test_the_privacy_notice_states_the_purposes_and_the_retention(client, versions, settings):
    settings.USAGE_RECORD_RETENTION_DAYS = 365
    settings.JOBSEEKER_INACTIVE_YEARS = 3
    html = client.get("/privacy/").content.decode()
    assert "職業安定法第5条の5" in html
    assert "利用目的" in html and "第7条第1項" in html
    assert "365 日後に削除" in html and "3 年間" in html
    assert "086-000-0001" in html
    english = _english(client).get("/privacy/").content.decode()
    assert "Article 5-5 of the Employment Security Act" in english
    assert "deleted after 365 days" in english and "for 3 years" in english
