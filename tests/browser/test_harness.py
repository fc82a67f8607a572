import pytest


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_start_page_opens_in_chromium(page, live_url, snap):
    page.goto(f"{live_url}/")
    assert page.locator("html").get_attribute("lang") == "ja"
    assert page.locator("h1").count() == 1
    snap(page, "start")
