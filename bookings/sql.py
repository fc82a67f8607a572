"""Small SQL helpers for the few statements written by hand (sweeps over thousands of rows)."""

from django.db import connection
from django.db.models.expressions import RawSQL


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
