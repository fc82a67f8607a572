"""The terms step shows the full text in the page, not in a nested scroll box, under a heading
a jobseeker understands (the date it applies from, not the internal version label)."""

import re

import pytest
import time_machine
from django.conf import settings

from consent.models import Consent
from tests.factories import TermsVersionFactory, tokyo

from .conftest import NOW, sign_in_client


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_terms_step_shows_the_text_in_the_page(client, world, language):
    Consent.objects.all().delete()
    TermsVersionFactory(
        bureau=world.office.bureau,
        label="v2",
        body="\n\n第1条 この規約は…\n\n第2条 …",
        body_en="\n\nArticle 1 These terms…",
        effective_from=tokyo(2026, 4, 1),
        published_at=tokyo(2026, 3, 1),
    )
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    sign_in_client(client, world.jobseeker)
    page = client.get("/book/terms/").content.decode()
    heading = re.search(r'<h2 id="terms-title">(.*?)</h2>', page).group(1)
    assert "v2" not in heading
    assert ("から適用" in heading) if language == "ja" else ("in force from" in heading)
    text = re.search(r'<div class="terms-text"[^>]*>(.*?)</div>', page, re.S).group(1)
    assert text.startswith("<p>"), "the text starts with blank lines"
    assert 'tabindex="0"' not in page.split('class="terms-text"')[0].rsplit("<", 1)[-1]
