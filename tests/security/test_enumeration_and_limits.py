"""Brute force and enumeration of the public side: limits on Redis, one answer for all."""

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.test import Client, RequestFactory, override_settings

from core.calendar import TOKYO
from core.client_ip import client_ip
from jobseekers.models import Jobseeker, RegistrationRequest, SignInToken
from notifications.models import Notification, NotificationKind
from tests.bookings.conftest import NOW, World
from tests.helpers import send_queued

UNKNOWN = "0.0.0.0"  # noqa: S104  (the placeholder for an unreadable address)
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def _page(client: Client, path: str) -> str:
    return CSRF.sub("", client.get(path).content.decode())


@pytest.fixture
def world(db):
    cache.clear()
    with time_machine.travel(NOW, tick=False):
        yield World()
    cache.clear()


# --- One answer whether or not a jobseeker or an email is known ---


@pytest.mark.parametrize(
    "case", ["known number, its email", "known number, another email", "unknown number"]
)
def test_returning_identification_answers_alike(world, case):
    number = world.jobseeker.number if case.startswith("known") else "33010-99999998"
    email = world.jobseeker.email if case.endswith("its email") else "someone@example.jp"
    reference = Client().post(
        "/identify/returning/", {"number": "33010-99999999", "email": "someone@example.jp"}
    )
    client = Client()
    response = client.post("/identify/returning/", {"number": number, "email": email})
    assert (response.status_code, response["Location"]) == (
        reference.status_code,
        reference["Location"],
    )
    page = _page(client, "/identify/sent/").replace(email, "EMAIL")
    other = Client()
    other.post("/identify/returning/", {"number": "33010-99999999", "email": "someone@example.jp"})
    assert page == _page(other, "/identify/sent/").replace("someone@example.jp", "EMAIL")
    # Whoever typed the address gets exactly one email either way.
    assert send_queued() == len(mail.outbox) == 3


def test_a_first_visit_with_a_registered_number_answers_as_a_new_one(world):
    data = {
        "family_name": "山田",
        "given_name": "花子",
        "family_name_kana": "ヤマダ",
        "given_name_kana": "ハナコ",
        "email": "hanako@example.jp",
    }
    known, unknown = Client(), Client()
    a = known.post("/identify/", {**data, "number": world.jobseeker.number})
    b = unknown.post("/identify/", {**data, "number": world.jobseeker.number[:-1] + "9"})
    assert (a.status_code, a["Location"]) == (b.status_code, b["Location"])
    assert _page(known, "/identify/sent/") == _page(unknown, "/identify/sent/")
    assert send_queued() == len(mail.outbox) == 2
    assert SignInToken.objects.count() == 2


def test_unknown_and_used_sign_in_links_look_the_same(world):
    Client().post(
        "/identify/returning/", {"number": world.jobseeker.number, "email": world.jobseeker.email}
    )
    send_queued()
    link = re.search(r"/signin/[^/\s]+/", mail.outbox[-1].body).group(0)
    Client().post(link)
    used = Client().post(link)
    unknown = Client().post("/signin/" + "A" * 43 + "/")
    assert used.status_code == unknown.status_code


# --- First visits: a number and a name sign nobody in, block nobody, reveal nothing ---

TOKEN_IN_URL = re.compile(r"/signin/[A-Za-z0-9_-]{43}/")


def _first_visit_pages(number: str, email: str, *, kana=("ヤマダ", "ハナコ")) -> list:
    """Every answer a visitor gets: the form's POST, the "check your email" page, the email,
    the link's page, opening the link, and the page it leads to (tokens taken out)."""
    client = Client()
    data = {
        "number": number,
        "family_name": "山田",
        "given_name": "花子",
        "family_name_kana": kana[0],
        "given_name_kana": kana[1],
        "email": email,
    }
    posted = client.post("/identify/", data)
    sent = client.get("/identify/sent/")
    assert send_queued() == 1
    message = mail.outbox[-1]
    assert message.to == [email]
    link = TOKEN_IN_URL.search(message.body).group(0)
    shown = client.get(link)
    opened = client.post(link)
    after = client.get(opened["Location"])

    def page(response) -> tuple:
        body = TOKEN_IN_URL.sub("/signin/T/", CSRF.sub("", response.content.decode()))
        return response.status_code, response.get("Location"), body

    return [
        page(posted),
        page(sent),
        (message.subject, TOKEN_IN_URL.sub("/signin/T/", message.body)),
        page(shown),
        page(opened),
        page(after),
        sorted(client.cookies),
    ]


def test_a_first_visit_answers_alike_for_a_registered_and_an_unregistered_number(world):
    """Issue 15 (3.3), the oracle: byte for byte, apart from CSRF tokens and the link."""
    code = world.office.registration_code
    staff_made = world.jobseeker  # its address is the office's, not the visitor's
    other_request = f"{code}-00000077"
    _first_visit_pages(other_request, "someone@example.jp")  # a request already waits
    answers = {
        name: _first_visit_pages(number, "visitor@example.jp")
        for name, number in {
            "registered": staff_made.number,
            "requested by someone else": other_request,
            "unregistered": f"{code}-00000088",
        }.items()
    }
    reference = answers.pop("unregistered")
    for name, answer in answers.items():
        assert answer == reference, name
    assert reference[4][:2] == (302, "/identify/received/")


def test_knowing_the_number_and_the_reading_signs_nobody_in(world):
    """Issue 15 (3.3), the takeover: a staff-made record whose address nobody proved yet."""
    jobseeker = world.jobseeker
    jobseeker.email_verified_at = None
    jobseeker.save()
    kana = (jobseeker.family_name_kana, jobseeker.given_name_kana)
    answer = _first_visit_pages(jobseeker.number, "attacker@example.jp", kana=kana)
    assert answer[4][:2] == (302, "/identify/received/")
    jobseeker.refresh_from_db()
    assert jobseeker.email != "attacker@example.jp" and jobseeker.email_verified_at is None
    page = answer[5][2]
    assert jobseeker.number not in page and jobseeker.family_name not in page
    # No invitation can reach the attacker: nothing of the record changed.
    assert (
        not Notification.objects.filter(recipient="attacker@example.jp")
        .exclude(kind__in=[NotificationKind.REGISTRATION_LINK])
        .exists()
    )


def test_asking_first_with_a_strangers_number_blocks_nobody(world):
    """Issue 15 (3.3), squatting: the owner's own request stands, and the office confirms it."""
    from jobseekers.registrations import registration_request_confirm

    number = f"{world.office.registration_code}-00000099"
    _first_visit_pages(number, "squatter@example.jp")
    owner = _first_visit_pages(number, "owner@example.jp")
    assert owner[4][:2] == (302, "/identify/received/")
    requests = RegistrationRequest.objects.filter(number=number)
    assert requests.count() == 2 and not Jobseeker.objects.filter(number=number).exists()
    # The office checks with the person (phone, counter) and confirms the owner's.
    registration_request_confirm(
        request=requests.get(email="owner@example.jp"), actor=None, method="phone"
    )
    assert requests.get(email="squatter@example.jp").status == "rejected"
    client = Client()
    client.post("/identify/returning/", {"number": number, "email": "owner@example.jp"})
    send_queued()
    link = TOKEN_IN_URL.search(mail.outbox[-1].body).group(0)
    assert client.post(link)["Location"] == "/book/"
    # The squatter's "booked before" gets the no-match email, no link.
    Client().post("/identify/returning/", {"number": number, "email": "squatter@example.jp"})
    send_queued()
    assert mail.outbox[-1].to == ["squatter@example.jp"]
    assert not TOKEN_IN_URL.search(mail.outbox[-1].body)


# --- Rate limits: counted in Redis in production, answered with a 429 page ---


@pytest.mark.redis
def test_the_rate_limits_count_in_redis_across_clients(world, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.RedisCache",  # as in production
            "LOCATION": settings.REDIS_TEST_URL,
        }
    }
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "identify_ip": (3, 3600)}
    cache.clear()
    try:
        data = {"number": "33010-99999999", "email": "a@example.jp"}
        # Three browsers from one address: one count, kept by Redis, not by a process.
        statuses = [Client().post("/identify/returning/", data).status_code for _ in range(4)]
        assert statuses == [302, 302, 302, 429]
        limited = Client().post("/identify/returning/", data)
        assert limited.status_code == 429
        assert int(limited["Retry-After"]) > 0
        page = limited.content.decode()
        assert "試行回数が多すぎます" in page and "ハローワーク" in page
        # Another address is not affected.
        assert (
            Client(REMOTE_ADDR="198.51.100.20").post("/identify/returning/", data).status_code
            == 302
        )
    finally:
        cache.clear()


def test_a_forged_forwarded_for_does_not_escape_the_limit(world, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "identify_ip": (2, 3600)}
    data = {"number": "33010-99999999", "email": "a@example.jp"}
    statuses = []
    for i in range(3):
        # The client writes anything on the left; the proxy appends the address it saw.
        forwarded = f"10.0.0.{i}, 203.0.113.5"
        response = Client(HTTP_X_FORWARDED_FOR=forwarded).post("/identify/returning/", data)
        statuses.append(response.status_code)
    assert statuses == [302, 302, 429]


# --- Email flooding: per recipient, and an IPv6 client counted by its /64 ---


def _emails_to(address: str) -> int:
    return sum(address in message.to for message in mail.outbox)


@pytest.mark.parametrize("path", ["/identify/", "/identify/returning/"])
def test_one_address_gets_a_few_emails_an_hour_whatever_the_numbers_and_clients(world, path):
    """8 different numbers for one victim's address, from 8 addresses: 5 emails, then 429."""
    victim = "victim@example.jp"
    statuses = []
    for i in range(8):
        data = {
            "number": f"{world.office.registration_code}-{70000 + i:08d}",
            "email": victim.upper() if i % 2 else victim,  # the same mailbox, typed another way
            "family_name": "山田",
            "given_name": "花子",
            "family_name_kana": "ヤマダ",
            "given_name_kana": "ハナコ",
        }
        client = Client(REMOTE_ADDR=f"198.51.100.{i + 1}")
        statuses.append(client.post(path, data).status_code)
    assert statuses == [302] * 5 + [429] * 3
    send_queued()
    assert _emails_to(victim) + _emails_to(victim.upper()) == 5
    # Another address is not affected.
    other = Client(REMOTE_ADDR="198.51.100.99").post(
        "/identify/returning/", {"number": "33010-00070000", "email": "other@example.jp"}
    )
    assert other.status_code == 302


def test_an_ipv6_client_is_counted_by_its_64(world, settings):
    """30 addresses of one /64, each to a new recipient: the client's 20, then 429."""
    statuses = [
        Client(REMOTE_ADDR=f"2001:db8:1:2::{i + 1:x}")
        .post("/identify/returning/", {"number": "33010-99999999", "email": f"r{i}@example.jp"})
        .status_code
        for i in range(30)
    ]
    assert statuses == [302] * 20 + [429] * 10
    assert send_queued() == 20
    # The neighbouring /64 is another client.
    neighbour = Client(REMOTE_ADDR="2001:db8:1:3::1").post(
        "/identify/returning/", {"number": "33010-99999999", "email": "n@example.jp"}
    )
    assert neighbour.status_code == 302


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("192.0.2.7", "192.0.2.7"),
        ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"),
        ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
        ("::ffff:192.0.2.7", "192.0.2.7"),
        ("not an address", UNKNOWN),
    ],
)
def test_the_client_key_of_a_limit(address, key):
    from core.ratelimit import client_key

    assert client_key(RequestFactory().get("/", REMOTE_ADDR=address)) == key


def test_the_cache_holds_no_address_in_clear(world):
    from django.core.cache.backends.locmem import _caches

    Client().post("/identify/returning/", {"number": "33010-99999999", "email": "a@example.jp"})
    keys = " ".join(str(key) for store in _caches.values() for key in store)
    assert "ratelimit:identify_recipient:" in keys
    assert "a@example.jp" not in keys and "127.0.0.1" not in keys


# --- The client address ---


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        (0, "192.0.2.1", "198.51.100.9", "192.0.2.1"),
        (1, "10.0.0.2", "198.51.100.9", "198.51.100.9"),
        (1, "10.0.0.2", "6.6.6.6, 198.51.100.9", "198.51.100.9"),
        (2, "10.0.0.2", "6.6.6.6, 198.51.100.9, 10.0.0.3", "198.51.100.9"),
        (1, "10.0.0.2", "", "10.0.0.2"),
        (1, "10.0.0.2", "not-an-address", UNKNOWN),
        (0, "", "", UNKNOWN),
        (1, "10.0.0.2", "2001:db8::1", "2001:db8::1"),
    ],
)
def test_the_client_address_trusts_only_the_configured_proxies(
    proxies, remote, forwarded, expected
):
    with override_settings(TRUSTED_PROXY_COUNT=proxies):
        request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
        assert client_ip(request) == expected


def test_the_429_page_says_when_why_and_whom_to_phone(world, settings):
    """A lock-out is not a dead end: the clock time to try again, why (this address has had its
    emails), and every office's phone number."""
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "identify_recipient": (1, 3600)}
    data = {"number": "33010-99999999", "email": "mistyped@example.jp"}
    assert Client().post("/identify/returning/", data).status_code == 302
    limited = Client(REMOTE_ADDR="198.51.100.77").post("/identify/returning/", data)
    assert limited.status_code == 429
    page = re.search(r"<main.*?</main>", limited.content.decode(), re.S).group(0)
    wait = int(limited["Retry-After"])
    again = (NOW + dt.timedelta(seconds=wait)).astimezone(TOKYO)
    assert f"（{again:%H:%M}以降に）" in page
    assert "この1時間にすでに何通かメールをお送りしています" in page
    assert f'href="tel:{world.office.phone}"' in page
