"""The Redis cache backend of production (config/cache.py): one redis-py client per pool, and
a cache that misses, never fails, while Redis is away."""

import logging
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings

from config.cache import RedisCache
from core.cache import CacheUnavailable


@pytest.fixture
def redis_cache():
    cache = RedisCache(settings.REDIS_TEST_URL, {"KEY_PREFIX": "test-config-cache"})
    yield cache
    cache.delete_many(["value", "counter"])


@pytest.mark.redis
def test_it_stores_and_reads_through_one_client(redis_cache):
    redis_cache.set("value", {"times": [1, 2]}, timeout=30)
    assert redis_cache.get("value") == {"times": [1, 2]}
    client = redis_cache._cache.get_client()
    assert redis_cache._cache.get_client(write=True) is client


@pytest.mark.redis
def test_the_shared_client_is_safe_across_threads(redis_cache):
    redis_cache.set("counter", 0, timeout=30)
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda _n: redis_cache.incr("counter"), range(400)))
    assert redis_cache.get("counter") == 400


# --- Without Redis: a cache that misses (issue 16) ---


@pytest.fixture
def private_redis(tmp_path):
    from tests.faults.services import PrivateRedis

    server = PrivateRedis(tmp_path).start()
    yield server
    server.stop()


def _cache_on(server, **options) -> RedisCache:
    return RedisCache(
        server.url,
        {
            "KEY_PREFIX": "test-degrade",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1, **options},
        },
    )


@pytest.mark.faults
def test_a_stopped_redis_is_a_cache_that_misses(private_redis, caplog):
    cache = _cache_on(private_redis)
    cache.set("page", "html", timeout=30)
    assert cache.get("page") == "html"
    private_redis.stop()
    with caplog.at_level(logging.WARNING, logger="config.cache"):
        assert cache.get("page") is None
        assert cache.get("page", "default") == "default"
        assert cache.get_many(["page", "other"]) == {}
        assert cache.has_key("page") is False
        cache.set("page", "new")
        assert cache.set_many({"a": 1, "b": 2}) == ["a", "b"]
        assert cache.delete("page") is False
        cache.delete_many(["a", "b"])
        assert cache.touch("page") is False
        # A counter has no true answer without its store: the caller decides (ratelimit.py).
        with pytest.raises(CacheUnavailable):
            cache.add("counter", 1)
        with pytest.raises(CacheUnavailable):
            cache.incr("counter")
        assert cache.clear() is False
    # Logged once when it went away, not once per call.
    assert len([r for r in caplog.records if "unreachable" in r.getMessage()]) == 1


@pytest.mark.faults
def test_the_breaker_spares_each_call_the_connection_attempt(private_redis):
    cache = _cache_on(private_redis)
    cache.set("page", "html")
    private_redis.pause()  # accepts connections, answers nothing: each try costs the timeout
    try:
        began = time.monotonic()
        assert cache.get("page") is None
        first = time.monotonic() - began
        began = time.monotonic()
        for _ in range(50):
            assert cache.get("page") is None
        rest = time.monotonic() - began
    finally:
        private_redis.resume()
    assert first >= 0.9  # the one attempt paid the socket timeout…
    assert rest < 0.2  # …the next fifty did not try at all


@pytest.mark.faults
def test_the_cache_comes_back_with_redis(private_redis, caplog, monkeypatch):
    from core.breaker import breaker_for

    cache = _cache_on(private_redis)
    private_redis.stop()
    assert cache.get("page") is None
    private_redis.start()  # the same port, empty
    breaker = breaker_for(f"cache:{private_redis.url}", name="the cache (Redis)")
    monkeypatch.setattr(breaker, "_open_until", time.monotonic() - 1)  # the cool-down is over
    with caplog.at_level(logging.WARNING, logger="config.cache"):
        cache.set("page", "fresh")
        assert cache.get("page") == "fresh"
    assert any("reachable again" in r.getMessage() for r in caplog.records)
    assert cache.add("counter", 1) is True
    assert cache.incr("counter") == 2


@pytest.mark.faults
def test_a_missing_key_is_not_an_outage(private_redis):
    cache = _cache_on(private_redis)
    with pytest.raises(ValueError, match="not found"):
        cache.incr("no-such-counter")
    cache.set("page", "html")
    assert cache.get("page") == "html"
