"""The free times of an office's day, kept in the cache between page views.

The slot-choice page is the journey's busiest read: every jobseeker looking at a day asks the
same question of the same rows. The answer (one open, unheld slot per start, before the
time-dependent rules) is cached per office and day under the office's *availability version*,
a token that every change to the office's slots or reservations replaces, so a booking,
a cancellation or a blocked slot is seen by the next page view. The rules that depend on the
moment (after now, the cut-off of Art 6(1), the horizon) are applied on every view, and
`reservation_create` checks everything again in the database under its locks: a cached answer
can at worst offer a time that is then refused as just taken, never book one that is not free.

The version is replaced twice: at once, and after the commit of the change, so that a page view
that read the database before the commit cannot keep its answer under the new version. A change
that bypasses the model signals (a bulk insert of generated slots) calls
`availability_changed` itself; anything missed still expires after `TTL` seconds.
If the cache cannot be reached, the database answers.

`cached_page` keeps a whole page made of these answers (the slot-choice page) the same way: with
the versions it was made under, used only while they are current, and never past the moment
one of its times stops being bookable.
"""

import datetime as dt
import hashlib
import logging
import uuid

from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)

TTL = 60  # seconds; the version does the invalidating, this bounds what a missed change costs


def _version_key(office_id: int) -> str:
    return f"availability:version:{office_id}"


def _day_key(office_id: int, day: dt.date, version: str) -> str:
    return f"availability:day:{office_id}:{day.isoformat()}:{version}"


def _bump(office_ids: set[int]) -> None:
    try:
        cache.set_many({_version_key(pk): uuid.uuid4().hex for pk in office_ids}, timeout=None)
    except Exception:  # noqa: BLE001 - the cache is a speed-up; the TTL bounds a missed bump
        logger.warning("availability version not replaced (cache unreachable)")


def availability_changed(*office_ids: int) -> None:
    """The free times of these offices may have changed: now, and again after the commit."""
    ids = {pk for pk in office_ids if pk is not None}
    if not ids:
        return
    _bump(ids)
    transaction.on_commit(lambda: _bump(ids))


def _versions(office_ids: list[int]) -> dict[int, str]:
    keys = {pk: _version_key(pk) for pk in office_ids}
    found = cache.get_many(list(keys.values()))
    versions = {}
    for pk, key in keys.items():
        version = found.get(key)
        if version is None:
            cache.add(key, uuid.uuid4().hex, timeout=None)
            version = cache.get(key)
        versions[pk] = version
    return versions


def cached_free_starts(
    *, office_ids: list[int], day: dt.date, load
) -> dict[int, list[tuple[int, dt.datetime]]]:
    """{office id: [(slot id, start)]} of the day, from the cache or from `load(missing ids)`."""
    try:
        versions = _versions(office_ids)
        keys = {pk: _day_key(pk, day, versions[pk]) for pk in office_ids}
        found = cache.get_many(list(keys.values()))
    except Exception:  # noqa: BLE001 - no cache: the database answers
        logger.warning("availability cache unreachable; reading the database")
        return load(office_ids)
    result = {pk: found[key] for pk, key in keys.items() if key in found}
    missing = [pk for pk in office_ids if pk not in result]
    if missing:
        loaded = load(missing)
        result.update({pk: loaded.get(pk, []) for pk in missing})
        try:
            cache.set_many({keys[pk]: loaded.get(pk, []) for pk in missing}, timeout=TTL)
        except Exception:  # noqa: BLE001
            logger.warning("availability not cached (cache unreachable)")
    return result


def office_data_changed(sender, instance, **kwargs) -> None:
    """post_save / post_delete of an office (its cut-off, horizon, visibility), a slot or a
    reservation (connected in BookingsConfig)."""
    availability_changed(instance.pk if sender._meta.model_name == "office" else instance.office_id)


def cached_page(*, office_ids: list[int], variant: tuple, render) -> str:
    """A page made of these offices' free times, rendered once for everyone who asks the same.

    `render()` returns (html, seconds it stays true). The page is kept under `variant`
    (whatever else the page shows) with the offices' availability versions it was made under,
    for that long and at most `TTL`; it is used only while those versions are still current.
    One cache round trip reads the versions and the page together. Without the cache, the page
    is rendered each time.
    """
    office_ids = sorted(office_ids)
    digest = hashlib.sha256(repr((office_ids, variant)).encode()).hexdigest()
    key = f"availability:page:{digest}"
    version_keys = [_version_key(pk) for pk in office_ids]
    try:
        found = cache.get_many([*version_keys, key])
        current = tuple(found.get(k) for k in version_keys)
        if None in current:
            versions = _versions(office_ids)
            current = tuple(versions[pk] for pk in office_ids)
    except Exception:  # noqa: BLE001 - no cache: render
        logger.warning("availability cache unreachable; rendering the page")
        return render()[0]
    kept = found.get(key)
    if kept is not None and kept[0] == current:
        return kept[1]
    html, seconds = render()
    if seconds >= 1:
        try:
            cache.set(key, (current, html), timeout=min(TTL, int(seconds)))
        except Exception:  # noqa: BLE001
            logger.warning("page not cached (cache unreachable)")
    return html
