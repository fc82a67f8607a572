"""What each rate limit does while Redis cannot be reached (core/ratelimit.py).

Decided limit by limit and written down in docs/security.md: the limits of the public journey
count per web process until Redis is back, so they still hold (N processes let at most N
times the count through) without locking every jobseeker out.
"""

import pytest
from django.conf import settings

from core import ratelimit
from core.ratelimit import CLOSED, LOCAL, OPEN, WHEN_CACHE_DOWN, Limit, limit_hit
from tests.faults.services import PrivateRedis


def test_every_limit_says_what_it_does_without_redis():
    assert set(settings.RATE_LIMITS) <= set(WHEN_CACHE_DOWN), (
        "name the behaviour of each new limit while Redis is away in WHEN_CACHE_DOWN "
        "(and in docs/security.md)"
    )
    assert set(WHEN_CACHE_DOWN.values()) <= {LOCAL, OPEN, CLOSED}


@pytest.fixture
def cache_away(tmp_path, settings):
    server = PrivateRedis(tmp_path).start()
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.RedisCache",
            "LOCATION": server.url,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    server.stop()
    ratelimit._local_counts.clear()
    yield
    ratelimit._local_counts.clear()


@pytest.mark.faults
@pytest.mark.parametrize("name", sorted(settings.RATE_LIMITS))
def test_the_journey_limits_count_in_the_process_while_redis_is_down(cache_away, name):
    assert WHEN_CACHE_DOWN[name] == LOCAL
    rule = Limit(name=name, count=3, window=3600)
    at = 7200.0
    assert [limit_hit(rule, "198.51.100.7", at=at) for _ in range(4)] == [
        False,
        False,
        False,
        True,
    ]
    # Another key, and the next window, start again.
    assert limit_hit(rule, "198.51.100.8", at=at) is False
    assert limit_hit(rule, "198.51.100.7", at=at + 3600) is False


@pytest.mark.faults
def test_an_open_limit_lets_through_and_a_closed_one_refuses(cache_away, monkeypatch):
    monkeypatch.setitem(WHEN_CACHE_DOWN, "test_open", OPEN)
    monkeypatch.setitem(WHEN_CACHE_DOWN, "test_closed", CLOSED)
    opened = Limit(name="test_open", count=1, window=60)
    closed = Limit(name="test_closed", count=1, window=60)
    assert not any(limit_hit(opened, "k", at=0) for _ in range(5))
    assert all(limit_hit(closed, "k", at=0) for _ in range(5))


def test_the_local_count_forgets_finished_windows(monkeypatch):
    monkeypatch.setattr(ratelimit, "_local_counts", {})
    rule = Limit(name="identify_ip", count=100, window=60)
    for n in range(10_001):
        ratelimit._count_without_cache(f"old{n}", rule, bucket=1)
    assert ratelimit._count_without_cache("new", rule, bucket=2) == 1
    assert len(ratelimit._local_counts) == 1
