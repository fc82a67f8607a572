"""Small SQL helpers: the few statements written by hand (sweeps over thousands of rows), the
database's clock, and retrying an operation whose connection dropped."""

import datetime as dt
import logging
import time
from collections.abc import Callable, Iterable

from django.db import InterfaceError, OperationalError, connection
from django.db.models.expressions import RawSQL
from django.db.models.functions import Now

logger = logging.getLogger(__name__)


def id_in(column: str, ids: list[int]) -> tuple[str, list]:
    """`column` is one of `ids`: one array parameter on PostgreSQL, a list of them elsewhere.

    A single array parameter spares psycopg converting a statement with a thousand placeholders
    on every batch of a sweep.
    """
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [list(ids)]
    return f"{column} IN ({', '.join(['%s'] * len(ids))})", list(ids)


def id_set(ids: list[int]) -> RawSQL | list[int]:
    """For `field__in=`: one array parameter on PostgreSQL (see `id_in`), the list elsewhere."""
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", [list(ids)])
    return list(ids)


def db_now() -> dt.datetime:
    """The database's clock: the one time every host reads the same way.

    A deadline that compares times written by different hosts (the 10-minute no-show rule, the
    outbox lease, a sign-in link's expiry) is measured on this clock, not on the process's: a
    worker whose clock runs 400 s ahead must not mark a no-show early. It is the clock Django's
    `Now()` writes into a statement (PostgreSQL's `statement_timestamp()`), read once; a value
    read before a statement is at most as late as that statement's own, so a deadline checked
    against it is never reached early.
    """
    if connection.vendor == "postgresql":
        sql = "SELECT STATEMENT_TIMESTAMP()"
    else:
        # SQLite (make run without DATABASE_URL): UTC to the millisecond, as Django stores it.
        sql = "SELECT STRFTIME('%Y-%m-%d %H:%M:%f', 'now')"
    with connection.cursor() as cursor:
        cursor.execute(sql)
        (value,) = cursor.fetchone()
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def db_time(now: dt.datetime | None) -> dt.datetime | Now:
    """`now` when a caller (a test) passes one; else the database's clock inside the statement."""
    return Now() if now is None else now


# What a dropped connection looks like: the server restarted or went away (Django wraps
# psycopg's errors in these two).
_DISCONNECT_ERRORS = (OperationalError, InterfaceError)
# Waits between tries, seconds: a PostgreSQL restart ("the database system is starting up")
# usually takes one to three seconds.
RETRY_DELAYS = (0.1, 0.3, 0.6, 1.0, 2.0, 3.0, 4.0, 5.0)


def _is_disconnect(exc: Exception) -> bool:
    """True when the connection itself is gone (not a lock timeout or a serialisation failure)."""
    if isinstance(exc, InterfaceError):
        return True
    raw = connection.connection
    if raw is None:
        return True  # it failed while connecting
    if getattr(raw, "closed", False) or getattr(raw, "broken", False):
        return True
    return not connection.is_usable()


def retry_on_disconnect[T](
    operation: Callable[[], T], *, delays: Iterable[float] = RETRY_DELAYS, label: str = ""
) -> T:
    """Run `operation`; when the database connection drops, reconnect and run it again.

    After a PostgreSQL restart the first statement on a kept connection fails. Dropping the
    work then would leave an outbox row to the sweep minutes later; instead the broken
    connection is closed and the operation tried again with a short backoff (about 16 s in
    all). Only for operations that are safe to repeat and are not inside a transaction (a
    transaction that lost its connection is gone as a whole: the caller repeats it).
    Any other database error is raised at once.
    """
    waits = iter(delays)
    while True:
        try:
            return operation()
        except _DISCONNECT_ERRORS as exc:
            if connection.in_atomic_block or not _is_disconnect(exc):
                raise
            wait = next(waits, None)
            if wait is None:
                raise
            logger.warning(
                "database connection lost during %s (%s); retrying in %.1fs",
                label or getattr(operation, "__name__", "a database operation"),
                type(exc).__name__,
                wait,
            )
            connection.close()
            time.sleep(wait)
