"""A circuit breaker for a service the portal can do without for a while (Redis).

When a call to the service fails, the breaker *opens*: for `cooldown` seconds every caller is
told at once that the service is away, instead of each paying a connection attempt (a refused
connection costs little, a host that drops packets costs the whole connect timeout, Celery's
publish retries cost 0.6 s). After the cool-down one call is let through to try; if it
succeeds the breaker closes. Going away and coming back are logged once each, not per call.

The state is per process and shared by its threads (Django keeps one cache backend per
thread; a breaker per thread would make each thread pay for the outage again).
"""

import logging
import threading
import time
from collections.abc import Callable


class Breaker:
    def __init__(
        self,
        name: str,
        *,
        cooldown: float = 5.0,
        logger: logging.Logger | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self.cooldown = cooldown
        self._logger = logger or logging.getLogger(__name__)
        self._clock = clock
        self._lock = threading.Lock()
        self._open_until: float | None = None
        self._trying = False

    @property
    def is_open(self) -> bool:
        """True while callers should not try the service."""
        return self._open_until is not None and self._clock() < self._open_until

    def allow(self) -> bool:
        """May this caller try the service now? After the cool-down, one caller at a time does."""
        with self._lock:
            if self._open_until is None:
                return True
            if self._clock() < self._open_until or self._trying:
                return False
            self._trying = True
            return True

    def failed(self, error: BaseException) -> None:
        """A call failed: open (or keep open) for another cool-down."""
        with self._lock:
            first = self._open_until is None
            self._open_until = self._clock() + self.cooldown
            self._trying = False
        if first:
            self._logger.warning(
                "%s unreachable (%s: %s); going on without it, trying again every %.0f s",
                self.name,
                type(error).__name__,
                error,
                self.cooldown,
            )

    def reset(self) -> None:
        """Forget any failure (tests)."""
        with self._lock:
            self._open_until = None
            self._trying = False

    def succeeded(self) -> None:
        if self._open_until is None and not self._trying:
            return
        with self._lock:
            was_open = self._open_until is not None
            self._open_until = None
            self._trying = False
        if was_open:
            self._logger.warning("%s reachable again", self.name)


_registry: dict[str, Breaker] = {}
_registry_lock = threading.Lock()


def breaker_for(
    key: str, *, name: str, cooldown: float = 5.0, logger: logging.Logger | None = None
) -> Breaker:
    """The process's one breaker for `key` (created on first use); `name` is what logs say."""
    with _registry_lock:
        found = _registry.get(key)
        if found is None:
            found = _registry[key] = Breaker(name, cooldown=cooldown, logger=logger)
        return found


def breakers_reset() -> None:
    """Close every breaker of the process (between tests)."""
    with _registry_lock:
        breakers = list(_registry.values())
    for breaker in breakers:
        breaker.reset()
