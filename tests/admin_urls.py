"""The URLconf read as a list, for tests that walk every URL (a page added later is walked too).

Shared by tests/security/test_object_access.py (one object per URL, another jobseeker or
office) and tests/backoffice/test_scope_walk.py (every admin URL as each staff role).
"""

import re
from collections import deque

from django.urls import URLPattern, URLResolver, get_resolver

from offices.models import Office


def url_patterns() -> list[tuple[str, str, str | None, object]]:
    """(route, namespace, name, pattern) for every URL in the URLconf."""
    found = []

    def walk(entries, prefix, namespace):
        for entry in entries:
            if isinstance(entry, URLResolver):
                ns = entry.namespace or namespace
                walk(entry.url_patterns, prefix + str(entry.pattern), ns)
            elif isinstance(entry, URLPattern):
                found.append((prefix + str(entry.pattern), namespace, entry.name, entry.pattern))

    walk(get_resolver().url_patterns, "", "")
    return found


def url_params(pattern) -> list[str]:
    """The names of a URL's parameters, in order (route converters or regex groups)."""
    regex = pattern.regex if hasattr(pattern, "regex") else None
    names = list(regex.groupindex) if regex is not None else []
    return names or list(getattr(pattern, "converters", {}) or {})


def fill(route: str, values: dict[str, object]) -> str:
    """The path of `route` with each `<conv:name>` (or regex group) replaced by its value."""
    path = route
    for name, value in values.items():
        path = re.sub(r"\(\?P<" + name + r">[^)]*\)", str(value), path)
        path = re.sub(r"<(?:\w+:)?" + name + r">", str(value), path)
    return "/" + path.replace("^", "").replace("$", "")


def office_path(model) -> str | None:
    """The lookup from `model` to its Office through foreign keys ("" for Office itself)."""
    if issubclass(model, Office):
        return ""
    queue = deque([(model, "")])
    seen = {model}
    while queue:
        current, path = queue.popleft()
        for field in current._meta.get_fields():
            if not (field.many_to_one or field.one_to_one) or not field.concrete:
                continue
            target = field.related_model
            if target is None:
                continue
            lookup = f"{path}__{field.name}" if path else field.name
            if issubclass(target, Office):
                return lookup
            if target not in seen and lookup.count("__") < 3:
                seen.add(target)
                queue.append((target, lookup))
    return None
