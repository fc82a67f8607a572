"""Rate limits of the public endpoints, counted in Django's cache (Redis in production).

A fixed window per limit and key; keys are hashed, so no 求職番号 or address sits in the cache.
"""

import hashlib
import ipaddress
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils.crypto import salted_hmac

from security.client_ip import client_ip as security_client_ip


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
    if cache.add(cache_key, 1, timeout=rule.window + 5):
        return 1 > rule.count
    try:
        count = cache.incr(cache_key)
    except ValueError:
        # The key expired between add() and incr().
        cache.set(cache_key, 1, timeout=rule.window + 5)
        count = 1
    return count > rule.count


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
