"""The offices' phone numbers for the error pages, which must render without the database.

The 500 and 503 pages (config/errors.py) tell the jobseeker whom to phone, at a moment when
PostgreSQL may be what failed. So each web process keeps a snapshot of the active offices'
names, phone numbers and hours: in memory, and in a file on its machine
(`OFFICE_CONTACTS_SNAPSHOT`), so that a process started while the database is down still has
the numbers its predecessors saw. `office_contacts()` reads only these, never the database or
the cache.

`OfficeContactsMiddleware` refreshes the snapshot after a response that went well, at most
every `OFFICE_CONTACTS_REFRESH_SECONDS` (one small query per process every few minutes); a
change to an office makes this process refresh at its next request, the others within the
interval.
"""

import json
import logging
import os
import tempfile
import threading
import time
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_snapshot: list[dict] | None = None
_refreshed_at: float | None = None


def _path() -> Path | None:
    value = getattr(settings, "OFFICE_CONTACTS_SNAPSHOT", None)
    return Path(value) if value else None


def office_contacts() -> list[dict]:
    """The bureaus with their offices' contacts, from memory or the snapshot file; never the
    database. An empty list if this machine never saw them."""
    global _snapshot
    if _snapshot is not None:
        return _snapshot
    path = _path()
    if path is None:
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    if isinstance(data, list):
        _snapshot = data
        return data
    return []


def office_contacts_load() -> list[dict]:
    """Read the contacts from the database: [{bureau, bureau_en, offices: [...]}]."""
    from offices.models import Office

    bureaus: dict[int, dict] = {}
    offices = (
        Office.objects.filter(is_active=True)
        .select_related("bureau")
        .order_by("bureau__code", "code")
    )
    for office in offices:
        bureau = bureaus.setdefault(
            office.bureau_id,
            {"bureau": office.bureau.name, "bureau_en": office.bureau.name_en, "offices": []},
        )
        bureau["offices"].append(
            {
                "name": office.name,
                "name_en": office.name_en,
                "phone": office.phone,
                "opens": office.opens_at.strftime("%H:%M") if office.opens_at else "",
                "closes": office.closes_at.strftime("%H:%M") if office.closes_at else "",
            }
        )
    return list(bureaus.values())


def office_contacts_refresh() -> None:
    """Take a new snapshot from the database, keep it in memory and write it to the file."""
    global _snapshot, _refreshed_at
    contacts = office_contacts_load()
    with _lock:
        _snapshot = contacts
        _refreshed_at = time.monotonic()
    path = _path()
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=path.parent, prefix=".contacts-", delete=False
        ) as handle:
            json.dump(contacts, handle, ensure_ascii=False)
        os.replace(handle.name, path)
    except OSError:
        logger.warning("office contacts snapshot not written to its file", exc_info=True)


def office_contacts_stale() -> bool:
    interval = getattr(settings, "OFFICE_CONTACTS_REFRESH_SECONDS", None)
    if interval is None:
        return False
    return _refreshed_at is None or time.monotonic() - _refreshed_at >= interval


def office_contacts_changed(**kwargs) -> None:
    """An office was saved or deleted: this process takes a new snapshot at its next request."""
    global _refreshed_at
    _refreshed_at = None


class OfficeContactsMiddleware:
    """Refresh the snapshot after a response that went well, when it is due."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code < 500 and office_contacts_stale():
            try:
                office_contacts_refresh()
            except Exception:  # noqa: BLE001 - the old snapshot serves; the page went out
                global _refreshed_at
                _refreshed_at = time.monotonic()
                logger.warning("office contacts snapshot not refreshed", exc_info=True)
        return response
