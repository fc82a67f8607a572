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
If the cache cannot be reached, the database answers (config/cache.py turns an unreachable
Redis into misses and raises only for `add`, which `_versions` uses; both are handled here).

`cached_page` keeps a whole page made of these answers (the slot-choice page) the same way: with
the versions it was made under, used only while they are current, and never past the moment
one of its times stops being bookable. The page is kept cut where the values of the request go
(`page_cut`): the CSRF token, the CSP nonce. Any process fills them in with its own request's
(`page_fill`); nothing a process made up for itself is kept, since any other one may serve the
copy.
"""

import datetime as dt
import hashlib
import logging
import re
import uuid
from collections.abc import Callable, Mapping

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
    transaction.on_commit(lambda: _bump(ids), robust=True)


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
    reservation (connected in BookingsConfig).

    A change to an office replaces the version of every office of its bureau too: an office
    that shows the bureau's times shows a different list of offices when one of them is
    opened, closed or hidden.
    """
    if sender._meta.model_name != "office":
        availability_changed(instance.office_id)
        return
    siblings = sender.objects.filter(bureau_id=instance.bureau_id).values_list("pk", flat=True)
    availability_changed(instance.pk, *siblings)


class PageUnavailable(Exception):  # noqa: N818 - a signal to the caller, not an error
    """`prepare` found that the page cannot be made for this request (raised through)."""


def page_cut(html: str, values: Mapping[str, str]) -> tuple[str, ...]:
    """The page as it can be kept for any request: its text cut where each of `values` (name:
    the value the rendering request put in) occurs, the name in between; ("…", "csrf", "…").

    The values must be random and made for this render (a placeholder token, the request's
    nonce), so that no text of the page can hold one by chance or by design. Only builtins are
    kept, so that any process, of any release, reads the copy the same way."""
    names = {value: name for name, value in values.items() if value}
    if not names:
        return (html,)
    parts: list[str] = []
    at = 0
    for found in re.finditer("|".join(map(re.escape, names)), html):
        parts += [html[at : found.start()], names[found.group()]]
        at = found.end()
    parts.append(html[at:])
    return tuple(parts)


def page_fill(parts: tuple[str, ...], values: Mapping[str, Callable[[], str]]) -> str:
    """The kept page with this request's values put in; each is asked for only if the page has
    a place for it (asking for the CSRF token sets its cookie, for the nonce puts it in the
    CSP header)."""
    filled = {name: values[name]() for name in set(parts[1::2])}
    return "".join(filled[part] if n % 2 else part for n, part in enumerate(parts))


# Part of the key of every kept page: a change of what is kept (its shape) changes it, so that
# during a rolling release no process reads a copy written by a process of the other release.
PAGE_FORMAT = 3


def cached_page(*, office_id: int, variant: tuple, prepare):
    """A page of the free times a jobseeker of this office sees, rendered once for everyone
    of the office who asks the same.

    `variant` is whatever else the page shows (builtins only: its repr is the key, the same in
    every process). `prepare()` returns the ids of the offices the page shows and a `render()`
    that returns (the page as kept, seconds it stays true; see `page_cut`); it is called only
    when the page is not kept. The page as kept is returned. The page is kept with the versions of those offices, for that
    long and at most `TTL`, and used only while the versions are all current. The office's
    own version is read before `prepare` lists the offices (a change to any office of its
    bureau replaces it), so a list made before a change is not kept under the version after
    it. One cache round trip answers a page of one office; a page of several makes two.
    Without the cache, the page is rendered each time.
    """
    digest = hashlib.sha256(repr((office_id, variant)).encode()).hexdigest()
    key = f"availability:page:v{PAGE_FORMAT}:{digest}"
    own = _version_key(office_id)
    try:
        found = cache.get_many([own, key])
        kept = found.get(key)
        if kept is not None and found.get(own) is not None:
            versions, page = kept
            current = {office_id: found[own]}
            others = [pk for pk, _ in versions if pk != office_id]
            if others:
                current.update(_versions(others))
            if all(current[pk] == version for pk, version in versions):
                return page
        own_version = found.get(own) or _versions([office_id])[office_id]
    except Exception:  # noqa: BLE001 - no cache: render
        logger.warning("availability cache unreachable; rendering the page")
        return prepare()[1]()[0]
    shown, render = prepare()
    others = sorted(set(shown) - {office_id})
    try:
        versions = ((office_id, own_version), *_versions(others).items())
    except Exception:  # noqa: BLE001
        logger.warning("availability cache unreachable; rendering the page")
        return render()[0]
    page, seconds = render()
    if seconds >= 1:
        try:
            cache.set(key, (versions, page), timeout=min(TTL, int(seconds)))
        except Exception:  # noqa: BLE001
            logger.warning("page not cached (cache unreachable)")
    return page
