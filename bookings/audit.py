"""Audit entries of reservations that a sweep changes by the thousand (Art 9)."""

import datetime as dt

from django.db import connection

from core.sql import id_in
from jobseekers.models import AuditAction, AuditEntry

from .models import Reservation


def audit_record_reservations(
    *, action: str | AuditAction, reservation_ids: list[int], detail: str, now: dt.datetime
) -> int:
    """One system audit entry per reservation (target `reservation:<pk>`), in one INSERT … SELECT.

    For sweeps that change thousands of reservations at once; `detail` holds no personal data.
    """
    if not reservation_ids:
        return 0
    ids_sql, ids_params = id_in("r.id", reservation_ids)
    # Only table names (from the models) and id_in() are formatted in; values are bound.
    sql = (
        f"INSERT INTO {AuditEntry._meta.db_table} (at, action, jobseeker_id, target, detail) "  # noqa: S608
        "SELECT %s, %s, r.jobseeker_id, %s || CAST(r.id AS TEXT), %s "
        f"FROM {Reservation._meta.db_table} r WHERE {ids_sql}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [now, str(action), "reservation:", detail[:500], *ids_params])
        return cursor.rowcount
