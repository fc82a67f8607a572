"""The start page explains the first visit before anyone starts: the office checks the
registration, what the jobseeker does, that an email says when they can book, and whom to phone."""

import re

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "ja",
            [
                "はじめて利用するとき",
                "求職登録を確認します",
                "メールでお知らせします",
                "お電話ください",
            ],
        ),
        (
            "en",
            [
                "The first time",
                "checks your registration",
                "emails you when you can book",
                "phone your office",
            ],
        ),
    ],
)
def test_the_first_visit_is_explained_on_the_start_page(client, world, language, expected):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get("/").content.decode()
    section = re.search(r'<h2 id="first-time">.*?<h2>', page, re.S).group(0)
    for words in expected:
        assert words in section
    assert world.office.phone in page
