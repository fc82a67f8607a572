"""The accessibility page (ウェブアクセシビリティ方針): the target level, the pages and the result of
the report the browser tests wrote, the offices' phones, in both languages; linked from the
footer of every public page."""

import json
import re

import pytest
from django.conf import settings as django_settings

from tests.factories import OfficeFactory

pytestmark = pytest.mark.django_db


def _row(page, check, result, *, language="ja", width=320):
    return {
        "page": page,
        "language": language,
        "width": width,
        "check": check,
        "result": result,
        "tests": ["tests/browser/test_accessibility.py::test_x"],
    }


def _axe(**violations):
    return {
        "axe": "4.14.1",
        "tags": ["best-practice", "wcag21aa"],
        "violations": {"critical": 0, "serious": 0, "moderate": 0, "minor": 0, **violations},
    }


@pytest.fixture
def report(tmp_path, settings):
    path = tmp_path / "results.json"
    rows = [
        _row("/book/date/<day>/", "axe", _axe()),
        _row("/book/date/<day>/", "axe", _axe(), language="en"),
        _row("/book/date/<day>/", "fits", True),
        _row("/book/date/<day>/", "keyboard", True, width=360),
        _row("/r/<token>/", "axe", _axe(moderate=1)),
        _row("/r/<token>/", "announced", ["link: Googleカレンダーに追加 （新しいタブで開きます）"]),
        _row("/admin/bookings/slot/day/", "axe", _axe(), width=1280),
    ]
    report = {
        "standard": "JIS X 8341-3:2016",
        "target": "AA",
        "date": "2027-03-31",
        "commit": "0123456789ab",
        "browser": "Chromium 156",
        "rows": rows,
    }
    path.write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")
    settings.ACCESSIBILITY_REPORT = path
    return report


def _get(client, language="ja", url="/accessibility/"):
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_page_states_the_target_the_pages_and_the_result_in_japanese(client, report):
    OfficeFactory(name="ハローワーク岡山", phone="086-000-0001")
    html = _get(client)
    text = _text(html)
    assert "<h1>ウェブアクセシビリティ方針</h1>" in html
    for heading in ["方針", "対象範囲", "目標とする適合レベルと対応度", "試験の実施方法"]:
        assert f"<h2>{heading}</h2>" in html
    assert "JIS X 8341-3:2016 の適合レベルAAに準拠" in text
    assert "試験日 2027年3月31日（水）" in text
    # The pages of the report, jobseekers' and staff's apart, tokens written as such.
    public = html[html.index('id="results-public"') : html.index('id="results-staff"')]
    assert "<code>/book/date/&lt;day&gt;/</code>" in public
    assert "<code>/r/&lt;token&gt;/</code>" in public
    assert "/admin/" not in public
    assert "<code>/admin/bookings/slot/day/</code>" in html[html.index('id="results-staff"') :]
    assert "求職者向けのページ 2件 職員向けの画面 1件" in text
    assert "幅 320 px で横スクロールなし" in text and "キーボードのみで操作" in text
    assert "致命的 0・深刻 0・中程度 1・軽微 0" in text
    assert "axe-core 4.14.1" in text
    assert 'href="tel:086-000-0001"' in html


def test_the_page_is_complete_in_english(client, report):
    OfficeFactory(name="ハローワーク岡山", name_en="Hello Work Okayama", phone="086-000-0001")
    text = _text(_get(client, "en"))
    assert "Accessibility statement" in text
    assert "JIS X 8341-3:2016 level AA, conformance" in text
    assert "Date of the test Wed 31 Mar 2027" in text
    assert "2 jobseekers' pages" in text and "1 staff page" in text
    assert "no sideways scroll at 320 px" in text and "keyboard only" in text
    assert "1 screen-reader text" in text
    assert "critical 0, serious 0, moderate 1, minor 0" in text
    assert "Hello Work Okayama — 086-000-0001" in text
    assert not re.search(r"[\u3040-\u30ff]", text.replace("日本語", "").replace("配慮", "")), (
        "Japanese text left on the English page"
    )


def test_without_a_readable_report_the_policy_still_shows(client, settings, tmp_path):
    settings.ACCESSIBILITY_REPORT = tmp_path / "missing.json"
    text = _text(_get(client))
    assert "試験結果はまだ公開していません。" in text
    assert "JIS X 8341-3:2016 の適合レベルAAに準拠" in text


def test_the_committed_report_is_shown(client):
    committed = json.loads(django_settings.ACCESSIBILITY_REPORT.read_text(encoding="utf-8"))
    html = _get(client)
    for page in {row["page"] for row in committed["rows"]}:
        assert f"<code>{page.replace('<', '&lt;').replace('>', '&gt;')}</code>" in html


@pytest.mark.parametrize("url", ["/", "/privacy/", "/identify/", "/accessibility/"])
def test_the_footer_links_to_the_page(client, url, report):
    OfficeFactory()
    footer = _get(client, url=url).split('<footer class="site-footer">', 1)[1]
    assert '<a href="/accessibility/">ウェブアクセシビリティ方針</a>' in footer
    footer = _get(client, "en", url=url).split('<footer class="site-footer">', 1)[1]
    assert '<a href="/accessibility/">Accessibility</a>' in footer


def test_the_page_refuses_post(client):
    assert client.post("/accessibility/").status_code == 405
