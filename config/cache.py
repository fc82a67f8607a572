"""Django's Redis cache backend, made to degrade: the portal works, slower, without Redis.

Everything the portal keeps in the cache can be lost (docs/architecture.md, "What the cache
holds"), so a cache that cannot be reached is a cache that misses: while Redis is away a read
returns nothing, a write, a delete or a clear does nothing, and the callers go to PostgreSQL.
Only the counting operations (`add`, `incr`, `decr`) raise `CacheUnavailable` instead:
a counter with no store has no true answer, and a caller that counts (the rate limits,
`core/ratelimit.py`) must decide itself what a missing count means.

A breaker (`core.breaker`) remembers the failure for a few seconds, so that a dead Redis costs
one failed connection per process every few seconds, not one per cache operation, and is
logged once when it goes and once when it comes back. The connection and socket timeouts in
the settings (`OPTIONS`) bound what the one attempt can cost when Redis hangs instead of
refusing.

Django's `RedisCacheClient.get_client()` also builds a new `redis.Redis` around the pool for
every cache operation, and redis-py's constructor (its response-callback tables) costs about
as much as the Redis round trip itself; one client per pool is kept (redis-py clients are safe
to share between threads: a connection is taken from the pool only for the length of a command).
"""

import logging

import redis
from django.core.cache.backends import redis as django_redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT

from core.breaker import breaker_for
from core.cache import CacheUnavailable

logger = logging.getLogger(__name__)

# How long a process goes without trying Redis after a failure (seconds).
BREAKER_COOLDOWN = 5.0

# Errors that say the server is away or cannot serve, not that the call was wrong.
UNAVAILABLE = (
    redis.exceptions.ConnectionError,  # refused, reset, loading, authentication, pool full
    redis.exceptions.TimeoutError,
    redis.exceptions.ReadOnlyError,  # a replica after a fail-over
    redis.exceptions.OutOfMemoryError,
)
_UNAVAILABLE_REPLIES = ("MISCONF", "MASTERDOWN", "TRYAGAIN")


def _unavailable(error: Exception) -> bool:
    if isinstance(error, UNAVAILABLE):
        return True
    return isinstance(error, redis.exceptions.ResponseError) and str(error).startswith(
        _UNAVAILABLE_REPLIES
    )


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


_MISSING = object()
_RAISE = object()


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
        self._breaker = breaker_for(
            f"cache:{server}", name="the cache (Redis)", cooldown=BREAKER_COOLDOWN, logger=logger
        )

    def _call(self, method, *args, when_down=_MISSING, **kwargs):
        """Run the parent's `method`; while Redis is away, return `when_down` (or raise)."""
        if not self._breaker.allow():
            return self._down(when_down, None)
        try:
            result = getattr(super(), method)(*args, **kwargs)
        except redis.exceptions.RedisError as error:
            if _unavailable(error):
                self._breaker.failed(error)
                return self._down(when_down, error)
            self._breaker.succeeded()
            raise
        except BaseException:
            # Redis answered (a missing key for incr, say), or nothing was sent: not an outage.
            self._breaker.succeeded()
            raise
        self._breaker.succeeded()
        return result

    @staticmethod
    def _down(when_down, error):
        if when_down is _RAISE:
            raise CacheUnavailable() from error
        return None if when_down is _MISSING else when_down

    def get(self, key, default=None, version=None):
        return self._call("get", key, default, version, when_down=default)

    def get_many(self, keys, version=None):
        return self._call("get_many", keys, version, when_down={})

    def has_key(self, key, version=None):
        return self._call("has_key", key, version, when_down=False)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._call("set", key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        # Django's contract: the keys that were not stored.
        return self._call("set_many", data, timeout, version, when_down=list(data))

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", key, timeout, version, when_down=False)

    def delete(self, key, version=None):
        return self._call("delete", key, version, when_down=False)

    def delete_many(self, keys, version=None):
        self._call("delete_many", keys, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", key, value, timeout, version, when_down=_RAISE)

    def incr(self, key, delta=1, version=None):
        # BaseCache.decr calls incr with a negative delta.
        return self._call("incr", key, delta, version, when_down=_RAISE)

    def clear(self):
        return self._call("clear", when_down=False)
