"""Rate limits of the public endpoints, counted in Django's cache (Redis in production).

A fixed window per limit and key; keys are hashed, so no 求職番号 or address sits in the cache.

While the cache cannot be reached (`core.cache.CacheUnavailable`), each limit does what
`WHEN_CACHE_DOWN` says, decided limit by limit (docs/security.md, "Rate limits"):

- `LOCAL`: the web process counts on its own until Redis is back, so the limit still holds
  per process (N processes let through at most N times the count in a window);
- `OPEN`: every attempt passes;
- `CLOSED`: every attempt is refused (429).
"""

import hashlib
import ipaddress
import logging
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils.crypto import salted_hmac

from core.cache import CacheUnavailable
from core.client_ip import client_ip as security_client_ip

logger = logging.getLogger(__name__)

LOCAL, OPEN, CLOSED = "local", "open", "closed"

# What each limit does while Redis is away. Every limit in settings.RATE_LIMITS is named here
# (tests/security/test_rate_limits_without_redis.py checks it).
WHEN_CACHE_DOWN = {
    # Each sends a sign-in email: an open limit would let a script flood a jobseeker's inbox
    # and the sender's reputation for as long as the outage lasts; a closed one would stop
    # every sign-in, and so every booking by someone not signed in yet. Counted per process.
    "identify_ip": LOCAL,
    "identify_recipient": LOCAL,
    # Opening sign-in links: guessing a 256-bit token is hopeless, the limit only slows a
    # scan; closing it would lock every jobseeker out. Counted per process.
    "link_ip": LOCAL,
}


@dataclass(frozen=True)
class Limit:
    name: str
    count: int
    window: int  # seconds


def limit(name: str) -> Limit:
    count, window = settings.RATE_LIMITS[name]
    return Limit(name=name, count=count, window=window)


def limit_hit(rule: Limit, key: str, *, at: float | None = None) -> bool:
    """Count one attempt under `key`; True when this attempt is over the limit."""
    at = time.time() if at is None else at
    bucket = int(at // rule.window)
    digest = hashlib.sha256(f"{rule.name}:{key}".encode()).hexdigest()[:32]
    cache_key = f"ratelimit:{rule.name}:{digest}:{bucket}"
    try:
        count = _count_shared(cache_key, rule)
    except CacheUnavailable:
        count = _count_without_cache(cache_key, rule, bucket)
    return count > rule.count


def _count_shared(cache_key: str, rule: Limit) -> int:
    if cache.add(cache_key, 1, timeout=rule.window + 5):
        return 1
    try:
        return cache.incr(cache_key)
    except ValueError:
        # The key expired between add() and incr().
        cache.set(cache_key, 1, timeout=rule.window + 5)
        return 1


_local_counts: dict[str, tuple[int, int]] = {}  # cache key: (bucket, count)
_local_lock = threading.Lock()


def _count_without_cache(cache_key: str, rule: Limit, bucket: int) -> int:
    policy = WHEN_CACHE_DOWN.get(rule.name, LOCAL)
    if policy == OPEN:
        return 0
    if policy == CLOSED:
        return rule.count + 1
    with _local_lock:
        if len(_local_counts) > 10_000:
            # Forget the windows that are over; a flood of new keys cannot grow this for ever.
            for stale in [k for k, (b, _n) in _local_counts.items() if b != bucket]:
                del _local_counts[stale]
            if len(_local_counts) > 10_000:
                _local_counts.clear()
        _bucket, count = _local_counts.get(cache_key, (bucket, 0))
        count = count + 1 if _bucket == bucket else 1
        _local_counts[cache_key] = (bucket, count)
    return count


def retry_after(rule: Limit, *, at: float | None = None) -> int:
    at = time.time() if at is None else at
    return int(rule.window - (at % rule.window)) + 1


def client_ip(request) -> str:
    """The client address, read as the lockout and the access log read it (TRUSTED_PROXY_COUNT)."""
    return security_client_ip(request)


# An IPv6 client is usually given a whole /64 (RFC 6177); counting it by address would let it
# take 2**64 fresh counts.
IPV6_CLIENT_PREFIX = 64


def client_key(request) -> str:
    """Who a per-client limit counts: the IPv4 address, or the IPv6 address's /64 network.

    An IPv4 address written as IPv6 (::ffff:192.0.2.1) counts as that IPv4 address.
    """
    address = ipaddress.ip_address(client_ip(request))
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{address}/{IPV6_CLIENT_PREFIX}", strict=False))
    return str(address)


def recipient_key(address: str) -> str:
    """What a per-recipient limit counts: the address as mail delivers it, keyed with the
    secret key, so that the cache holds nothing a list of known addresses could be matched to."""
    return salted_hmac(
        "bookings.ratelimit.recipient", address.strip().casefold(), algorithm="sha256"
    ).hexdigest()
