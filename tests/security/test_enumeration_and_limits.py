"""Brute force and enumeration of the public side: limits on Redis, one answer for all."""

import re

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.test import Client, RequestFactory, override_settings

from jobseekers.models import SignInToken
from security.client_ip import client_ip
from tests.bookings.conftest import NOW, World

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
    assert len(mail.outbox) == 3


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
    assert len(mail.outbox) == 2
    assert SignInToken.objects.count() == 2


def test_unknown_and_used_sign_in_links_look_the_same(world):
    Client().post(
        "/identify/returning/", {"number": world.jobseeker.number, "email": world.jobseeker.email}
    )
    link = re.search(r"/signin/[^/\s]+/", mail.outbox[-1].body).group(0)
    Client().post(link)
    used = Client().post(link)
    unknown = Client().post("/signin/" + "A" * 43 + "/")
    assert used.status_code == unknown.status_code


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
    assert len(mail.outbox) == 20
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
    from bookings.ratelimit import client_key

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
