"""The Redis cache backend of production (config/cache.py): one redis-py client per pool."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings

from config.cache import RedisCache

pytestmark = pytest.mark.redis


@pytest.fixture
def redis_cache():
    cache = RedisCache(settings.REDIS_TEST_URL, {"KEY_PREFIX": "test-config-cache"})
    yield cache
    cache.delete_many(["value", "counter"])


def test_it_stores_and_reads_through_one_client(redis_cache):
    redis_cache.set("value", {"times": [1, 2]}, timeout=30)
    assert redis_cache.get("value") == {"times": [1, 2]}
    client = redis_cache._cache.get_client()
    assert redis_cache._cache.get_client(write=True) is client


def test_the_shared_client_is_safe_across_threads(redis_cache):
    redis_cache.set("counter", 0, timeout=30)
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda _n: redis_cache.incr("counter"), range(400)))
    assert redis_cache.get("counter") == 400
