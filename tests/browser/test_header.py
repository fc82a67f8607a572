"""The header at the narrowest width: the language button keeps its word on one line."""

import pytest
from django.conf import settings

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LINES = """() => {
  const button = document.querySelector('.lang-switch button');
  const range = document.createRange();
  range.selectNodeContents(button);
  return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
}"""


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_language_button_is_one_line_at_320_px(browser, live_url, language):
    context = browser.new_context(viewport={"width": 320, "height": 640})
    context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_url}]
    )
    page = context.new_page()
    page.goto(live_url + "/")
    assert page.evaluate(LINES) == 1
    context.close()
