"""A link whose address the office has since replaced says so (not "check your number and
names", which were right) and leads to a request with the new address, not back to itself."""

import re

import pytest
import time_machine
from django.core import mail

from jobseekers.models import Jobseeker
from jobseekers.signin import sign_in_request_returning
from tests.helpers import send_queued

from .conftest import NOW

pytestmark = pytest.mark.django_db


def _link() -> str:
    return re.search(r"/signin/[^/\s]+/", mail.outbox[-1].body).group(0)


def test_a_link_to_a_replaced_address_names_the_reason_and_the_way_on(client, world):
    with time_machine.travel(NOW, tick=False):
        sign_in_request_returning(number=world.jobseeker.number, email=world.jobseeker.email)
        send_queued()
        link = _link()
        # The office binds the jobseeker's new address before the old link is opened.
        Jobseeker.objects.filter(pk=world.jobseeker.pk).update(email="new@example.jp")
        response = client.post(link)
    assert response.status_code == 400
    main = re.search(r"<main.*?</main>", response.content.decode(), re.S).group(0)
    assert "現在ハローワークに登録されている求職番号のメールアドレスではありません" in main
    assert "求職番号と氏名をご確認" not in main
    primary = re.search(r'<a class="button" href="([^"]+)">([^<]+)</a>', main)
    assert primary.group(1) == "/identify/" and "新しいメールアドレス" in primary.group(2)


def test_a_used_link_offers_a_new_one_to_a_returning_jobseeker(client, world):
    with time_machine.travel(NOW, tick=False):
        sign_in_request_returning(number=world.jobseeker.number, email=world.jobseeker.email)
        send_queued()
        link = _link()
        assert client.post(link).status_code == 302
        response = client.post(link)
    assert response.status_code == 410
    main = re.search(r"<main.*?</main>", response.content.decode(), re.S).group(0)
    assert re.search(r'<a class="button" href="/identify/returning/">', main)
