"""Reading dates PostgreSQL holds and Python cannot: before year 1, after 9999, ±infinity.

PostgreSQL stores timestamps from 4713 BC; Python's datetime runs from year 1 to 9999, and
psycopg refuses to load anything outside (DataError). One such value in a row — a late notice
typed as `0001-01-01 00:00` in Tokyo is 1 BC in UTC — then fails every query that reads the
row: the office's reservation list, its day view, the reminder sweep of every office.

Forms and services now refuse such dates (`core.dates`); this is for a value already in a
database, or written by hand in SQL. It is read as the nearest instant Python can show, a day
inside the limits so that converting it to Tokyo time or adding a day still works, and a
warning is logged (the kind of value only: never the row, the table or a person).
`docs/operations.md` ("Dates out of range") has the query that finds such rows.
"""

import datetime as dt
import functools
import logging

from django.db.backends.signals import connection_created

logger = logging.getLogger(__name__)

EARLIEST_DATETIME = dt.datetime.min.replace(tzinfo=dt.UTC) + dt.timedelta(days=1)
LATEST_DATETIME = dt.datetime.max.replace(tzinfo=dt.UTC) - dt.timedelta(days=1)
EARLIEST_DATE = dt.date.min + dt.timedelta(days=1)
LATEST_DATE = dt.date.max - dt.timedelta(days=1)


def _too_early(data) -> bool:
    text = bytes(data).strip()
    return text.endswith(b"BC") or text == b"-infinity"


@functools.cache
def _loaders(timezone):
    import psycopg
    from django.db.backends.postgresql.psycopg_any import BaseTzLoader
    from psycopg import adapt, adapters, pq
    from psycopg.postgres import types

    date_loader = adapters.get_loader(types["date"].oid, pq.Format.TEXT)

    class OutOfRangeTimestamptzLoader(BaseTzLoader):
        def load(self, data):
            try:
                return super().load(data)
            except psycopg.DataError:
                value = EARLIEST_DATETIME if _too_early(data) else LATEST_DATETIME
                logger.warning(
                    "A timestamp outside the years 1-9999 was read from the database and is "
                    "shown as %s; see docs/operations.md, 'Dates out of range'.",
                    value.isoformat(),
                )
                return value.replace(tzinfo=self.timezone)

    OutOfRangeTimestamptzLoader.timezone = timezone

    class OutOfRangeDateLoader(adapt.Loader):
        def __init__(self, oid, context=None):
            super().__init__(oid, context)
            self.orig_loader = date_loader(oid, context)

        def load(self, data):
            try:
                return self.orig_loader.load(data)
            except psycopg.DataError:
                value = EARLIEST_DATE if _too_early(data) else LATEST_DATE
                logger.warning(
                    "A date outside the years 1-9999 was read from the database and is shown "
                    "as %s; see docs/operations.md, 'Dates out of range'.",
                    value.isoformat(),
                )
                return value

    return OutOfRangeTimestamptzLoader, OutOfRangeDateLoader


def out_of_range_dates_readable(sender, connection, **kwargs) -> None:
    """connection_created: register the loaders on a new PostgreSQL connection."""
    if connection.vendor != "postgresql":
        return
    timestamptz_loader, date_loader = _loaders(connection.timezone)
    adapters = connection.connection.adapters
    adapters.register_loader("timestamptz", timestamptz_loader)
    adapters.register_loader("date", date_loader)


def install() -> None:
    connection_created.connect(out_of_range_dates_readable, dispatch_uid="core.pg_dates")
