"""The client's IP address, read the same way by the lockout, the rate limits and the logs."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The address of the client, trusting exactly TRUSTED_PROXY_COUNT reverse proxies.

    With no proxy (the default), REMOTE_ADDR. Behind N proxies that each append to
    X-Forwarded-For, the N-th address from the right: anything further left was written by
    the client and could be forged to dodge a lockout or to lock someone else out.
    """
    remote = request.META.get("REMOTE_ADDR", "") or ""
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return _valid(remote)
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < count:
        return _valid(remote)
    return _valid(forwarded[-count])


def _valid(value: str) -> str:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return "0.0.0.0"  # noqa: S104  (a placeholder address, never bound)


def axes_client_str(username, ip_address, user_agent, path_info, request) -> str:
    """How django-axes names a client in its log lines: the address and path, no username.

    Usernames of staff are often their names; the lockout table keeps them for administrators.
    """
    return f"{{ip_address: {ip_address!s}, path_info: {path_info!s}}}"
