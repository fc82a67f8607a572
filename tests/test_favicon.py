"""Every page names the portal's icon, so that no browser asks for a missing /favicon.ico."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.test import RequestFactory

from config.errors import server_error

ICON = re.compile(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">')


def _icon_exists(html: str) -> None:
    match = ICON.search(html)
    assert match, "no <link rel=icon> on the page"
    assert match.group(1).endswith("favicon.svg")
    assert finders.find("favicon.svg"), "static/favicon.svg is missing"


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/privacy/", "/admin/login/", "/no-such-page/"])
def test_pages_name_the_icon(client, path):
    _icon_exists(client.get(path).content.decode())


def test_the_500_page_names_the_icon():
    response = server_error(RequestFactory().get("/"))
    _icon_exists(response.content.decode())
