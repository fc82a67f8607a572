"""One bad row never stops a periodic job: each row is handled on its own.

A sweep runs every minute for every office. If one row cannot be read or processed (a value
PostgreSQL refuses, a trigger, a bug that one row's data brings out), raising would stop the
sweep for every office, every minute, until someone repairs that row by hand. Instead the row
is skipped and logged — the job, the row's id and the exception's class and place, never its
message, which may quote a value — and the others go on. The row stays due, so the next run
tries it again, and an operator sees it in the log.

The database or the worker going away is no row's fault: those errors still stop the job.
"""

import contextlib
import logging
import traceback
from collections.abc import Callable, Iterable
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import Model, QuerySet

logger = logging.getLogger(__name__)

# Not a row's fault: the whole job stops, as it should.
STOPS_THE_JOB = (OperationalError, InterfaceError, SoftTimeLimitExceeded)
CHUNK = 500


def row_skipped(job: str, pk: Any, exc: BaseException) -> None:
    """Log a skipped row without personal data: no exception message, no values."""
    where = ""
    frames = traceback.extract_tb(exc.__traceback__) if exc.__traceback__ else []
    if frames:
        where = f" at {frames[-1].filename}:{frames[-1].lineno}"
    logger.error(
        "%s: row %s skipped after %s%s; the other rows go on.",
        job,
        pk,
        type(exc).__name__,
        where,
    )


def _isolated():
    """A savepoint when the caller holds a transaction, so that one row's database error does
    not spoil it; none in a Celery task's autocommit, where each row's own service commits its
    work and no transaction stays open across an email provider's call."""
    return transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext()


def each_id(
    ids: Iterable[Any],
    process: Callable[[Any], Any],
    *,
    job: str,
    skipped: list | set | None = None,
) -> list[Any]:
    """`process(pk)` for each id, on its own; the results of those that ran.

    The ids of the rows skipped are added to `skipped` when it is given.
    """
    results = []
    for pk in ids:
        try:
            with _isolated():
                results.append(process(pk))
        except STOPS_THE_JOB:
            raise
        except Exception as exc:  # noqa: BLE001 - one row's failure, logged; the rest go on
            row_skipped(job, pk, exc)
            if isinstance(skipped, set):
                skipped.add(pk)
            elif skipped is not None:
                skipped.append(pk)
    return results


def each_row(
    queryset: QuerySet, process: Callable[[Model], Any], *, job: str, chunk: int = CHUNK
) -> list[Any]:
    """`process(obj)` for each row of `queryset`, each on its own.

    The ids are read first; then the rows, a chunk at a time, with the queryset's own
    select_related. A chunk that cannot be read is read again row by row, so that only the
    unreadable row is skipped.
    """
    ids = list(queryset.values_list("pk", flat=True))
    results = []
    for start in range(0, len(ids), chunk):
        part = ids[start : start + chunk]
        try:
            with _isolated():
                rows = list(queryset.filter(pk__in=part))
        except STOPS_THE_JOB:
            raise
        except Exception:  # noqa: BLE001 - some row of the chunk is unreadable: find it
            rows = each_id(part, lambda pk: queryset.get(pk=pk), job=job)
        by_pk = {row.pk: row for row in rows}
        results.extend(each_id(list(by_pk), lambda pk, rows=by_pk: process(rows[pk]), job=job))
    return results
