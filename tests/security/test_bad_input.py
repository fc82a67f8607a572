"""Bad input is a 400 or a 404, never a 500 (issue 15, §3 item 5).

The URLs the outside test found answering 500, each at the depth of its cause: a control
character anywhere in a path or a query parameter is refused by one middleware
(security.middleware.ControlCharactersMiddleware), a date in a path by the date converter, a
date in a query by the form (core.dates). tests/security/test_fuzzing.py throws the same
shapes at every URL the resolver knows.
"""

import logging

import pytest
from django.test import Client

from tests.backoffice.conftest import BUREAU_ADMIN, COUNSELOR, OFFICE_STAFF, make_user
from tests.bookings.conftest import NOW, World, sign_in_client
from tests.factories import ReservationFactory
from tests.helpers import staff_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(time_machine):
    time_machine.move_to(NOW, tick=False)
    return World()


def test_the_public_urls_of_the_report(world):
    ReservationFactory(jobseeker=world.jobseeker, slot=world.slot)
    client = sign_in_client(Client(raise_request_exception=False), world.jobseeker)
    assert client.get("/book/date/9999-12-31/").status_code == 404
    assert client.get("/book/date/0001-01-01/").status_code == 404
    assert client.get("/book/done/%00/").status_code == 400
    for url in ("/r/%00/", "/signin/%00/", "/book/date/?month=%00", "/%00", "/book/%01/"):
        assert client.get(url).status_code == 400, url
        assert client.post(url).status_code == 400, url


@pytest.mark.parametrize("role", [COUNSELOR, OFFICE_STAFF, BUREAU_ADMIN])
def test_the_admin_urls_of_the_report(world, role):
    client = staff_login(
        Client(raise_request_exception=False), make_user(role, office=world.office)
    )
    for url in (
        "/admin/bookings/slot/day/?date=9999-12-31",
        "/admin/bookings/slot/week/?date=0001-01-03",
        "/admin/bookings/slot/week/?date=9999-12-31",
    ):
        response = client.get(url)
        assert response.status_code == 400, url
        assert "2016年12月1日" in response.content.decode()  # the range, in the form's message
    autocomplete = (
        "/admin/autocomplete/?app_label=bookings&model_name=reservation&field_name=jobseeker"
        "&term=%00"
    )
    assert client.get(autocomplete).status_code == 400
    assert client.get("/admin/bookings/reservation/?q=%00").status_code == 400
    assert client.get("/admin/bookings/reservation/%00/change/").status_code == 400


def test_a_control_character_is_refused_in_the_user_s_language_and_logged_without_the_path(
    world, caplog
):
    caplog.set_level(logging.WARNING)
    client = Client(raise_request_exception=False)
    secretish = "tokenAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    response = client.get(f"/r/{secretish}%00/")
    assert response.status_code == 400
    assert "リクエストを読み取れませんでした" in response.content.decode()
    assert "Control character" in caplog.text and secretish not in caplog.text
    client.cookies["django_language"] = "en"
    english = client.get("/?next=%0d%0aSet-Cookie:x=1")
    assert english.status_code == 400
    assert "The request could not be read" in english.content.decode()
    # Ordinary text is not refused: Japanese, full-width digits and dashes, emoji, marks.
    signed_in = sign_in_client(Client(), world.jobseeker)
    for query in ("３３０１０－１２３４５", "岡山\u3000太郎", "🙂", "\u202e", "a b"):
        assert signed_in.get("/book/date/", {"month": query}).status_code == 200, query
