"""HTTP to the video services: bounded timeouts, one mapping of answers to errors, tokens
cached per credentials, and logs that never carry a secret.

Plain httpx rather than each vendor's client: Zoom and Webex publish no official, maintained
synchronous Python client for their meetings REST APIs, and Microsoft's Graph SDK is async-first
and very large for four calls; the three APIs are a handful of JSON requests each, which are
easier to read, bound and test (respx) as plain HTTP.

What is logged for a failure: the provider, the operation ("token", "create", …), the HTTP
status and the service's error code. Never a URL (it names the counselor's account), a header,
a request body (it holds the client secret or the token) or a response's message (it may quote
the host's address).
"""

import datetime as dt
import email.utils
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from .errors import (
    ConfigurationError,
    CredentialError,
    NotFound,
    RateLimited,
    Rejected,
    Transient,
)

logger = logging.getLogger("meetings")

# A few seconds each: a task holds a worker while it waits, and the service will be tried again.
TIMEOUT = httpx.Timeout(5.0, connect=3.0, pool=2.0)

# A token is taken again this long before the service says it expires (clocks, slow requests).
TOKEN_MARGIN = 60.0


def _error_code(response: httpx.Response) -> str:
    """The service's error code from a response body, and nothing else of it.

    OAuth: {"error": "invalid_client"}; Graph: {"error": {"code": "Forbidden"}}; Zoom:
    {"code": 124}; Webex: {"trackingId": "…"} (what Webex support asks for).
    """
    try:
        body = response.json()
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    error = body.get("error")
    if isinstance(error, dict):
        error = error.get("code")
    for value in (error, body.get("code"), body.get("trackingId")):
        if isinstance(value, str | int) and not isinstance(value, bool):
            return str(value)[:80]
    return ""


def retry_after_seconds(response: httpx.Response) -> float | None:
    """Retry-After as seconds: delta-seconds, or an HTTP date read against the response's own
    Date header (so neither our clock nor theirs alone decides)."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
        sent = response.headers.get("Date")
        now = email.utils.parsedate_to_datetime(sent) if sent else dt.datetime.now(dt.UTC)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - now).total_seconds())


_shared: tuple[int, httpx.Client] | None = None
_shared_lock = threading.Lock()


def shared_client() -> httpx.Client:
    """One client per process: its connections and TLS context are reused across requests (a
    new TLS context costs tens of milliseconds). Made anew in a forked child (Celery's prefork
    workers), which must not share its parent's sockets."""
    global _shared
    with _shared_lock:
        if _shared is None or _shared[0] != os.getpid():
            _shared = (os.getpid(), httpx.Client(timeout=TIMEOUT, follow_redirects=False))
        return _shared[1]


class ProviderHttp:
    """Sends one provider's requests and turns every failure into a meetings error."""

    def __init__(self, provider: str, *, client: httpx.Client | None = None) -> None:
        self.provider = provider
        self._client = client

    def request(
        self,
        method: str,
        url: str,
        *,
        operation: str,
        host_lookup: bool = False,
        token_may_be_stale: bool = False,
        **kwargs,
    ) -> httpx.Response:
        """Send and check. `operation` names the step for logs and errors; `host_lookup` says
        that a 404 means the host account is unknown (a setting to fix), not a missing
        meeting; `token_may_be_stale` that a 401 will be tried again with a new token, so it
        is not logged as a failure."""
        client = self._client or shared_client()
        try:
            response = client.request(method, url, timeout=TIMEOUT, **kwargs)
        except httpx.TimeoutException:
            raise self.fail(Transient, operation, "timeout") from None
        except httpx.TransportError as exc:
            raise self.fail(Transient, operation, f"connection ({type(exc).__name__})") from None
        if response.is_success:
            return response
        status = response.status_code
        what = f"status={status}"
        code = _error_code(response)
        if code:
            what += f" code={code}"
        if status == 429:
            wait = retry_after_seconds(response)
            raise self.fail(RateLimited, operation, what, status=status, retry_after=wait)
        if status >= 500:
            raise self.fail(Transient, operation, what, status=status)
        if operation == "token" or status in (401, 403):
            # The token endpoint's only input is the credentials: any refusal is theirs.
            stale = token_may_be_stale and status == 401
            raise self.fail(CredentialError, operation, what, status=status, log=not stale)
        if status == 404:
            if host_lookup:
                raise self.fail(
                    ConfigurationError, operation, what + " (host account)", status=status
                )
            raise self.fail(NotFound, operation, what, status=status, log=False)
        raise self.fail(Rejected, operation, what, status=status)

    def fail(
        self,
        error: type,
        operation: str,
        what: str,
        *,
        status: int | None = None,
        log: bool = True,
        **kwargs,
    ):
        """The error to raise, logged once (a missing meeting on delete is not a failure)."""
        detail = f"{self.provider} {operation}: {what}"
        if log:
            logger.warning("meetings: %s failed: %s", self.provider, detail)
        return error(detail, status=status, **kwargs)

    def json(self, response: httpx.Response, operation: str) -> dict:
        """The body of a successful answer as a JSON object; anything else is the service
        answering wrongly, worth another try."""
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise self.fail(
                Transient, operation, f"status={response.status_code} not a JSON object"
            )
        return body


@dataclass
class _Token:
    value: str
    expires_at: float


class TokenCache:
    """Access tokens by credentials (provider, bureau, client id), in this process only.

    In memory on purpose: a token in Redis would be one more copy of a secret. Each worker
    process asks for its own, about once an hour; the services allow many tokens at a time.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._tokens: dict[tuple[str, ...], _Token] = {}

    def get(self, key: tuple[str, ...], fetch: Callable[[], tuple[str, float]]) -> str:
        """The cached token, or a new one from `fetch()` -> (token, lifetime in seconds)."""
        with self._lock:
            token = self._tokens.get(key)
            if token is not None and self._clock() < token.expires_at:
                return token.value
        value, lifetime = fetch()
        with self._lock:
            self._tokens[key] = _Token(value, self._clock() + max(0.0, lifetime - TOKEN_MARGIN))
        return value

    def forget(self, key: tuple[str, ...]) -> None:
        with self._lock:
            self._tokens.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._tokens.clear()


#: The process's cache, shared by every provider instance.
TOKENS = TokenCache()


def token_from(response: httpx.Response, http: ProviderHttp) -> tuple[str, float]:
    """(access_token, expires_in) from an OAuth token response."""
    body = http.json(response, "token")
    try:
        token = body["access_token"]
        lifetime = float(body.get("expires_in", 3600))
    except (KeyError, TypeError, ValueError):
        raise http.fail(Transient, "token", "unreadable token response") from None
    if not isinstance(token, str) or not token:
        raise http.fail(Transient, "token", "empty token")
    return token, lifetime


class BearerSession:
    """Requests with a cached bearer token; one 401 drops the token and tries once more with a
    new one (a token revoked or rotated before its time). A second 401 is the credentials'."""

    def __init__(
        self,
        http: ProviderHttp,
        *,
        key: tuple[str, ...],
        fetch: Callable[[], tuple[str, float]],
        tokens: TokenCache,
    ) -> None:
        self.http = http
        self.key = key
        self.fetch = fetch
        self.tokens = tokens

    def request(
        self, method: str, url: str, *, headers: dict | None = None, **kwargs
    ) -> httpx.Response:
        retried = False
        while True:
            token = self.tokens.get(self.key, self.fetch)
            sent = {**(headers or {}), "Authorization": f"Bearer {token}"}
            try:
                return self.http.request(
                    method, url, headers=sent, token_may_be_stale=not retried, **kwargs
                )
            except CredentialError as exc:
                self.tokens.forget(self.key)
                if retried or exc.status != 401:
                    raise
                retried = True
