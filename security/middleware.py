"""Requests with control characters; idle and absolute time-outs of staff sessions, sessions
ended by an administrator, and `Cache-Control: no-store` on every page that does not opt out."""

import datetime as dt
import functools
import re
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.translation import gettext as _

from .models import SessionCutoff
from .sessions import AUTH_AT, LAST_SEEN

# Writing the session on every request costs a write per click; a minute of slack is enough
# for a 30-minute idle limit.
_TOUCH_EVERY = 60


# C0 controls (NUL included), DEL and C1 controls: Unicode's category Cc.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class ControlCharacterInRequest(SuspiciousOperation):
    """Django answers a SuspiciousOperation with 400 and logs it to django.security."""


class ControlCharactersMiddleware:
    """A path or query parameter holding a control character is answered 400, for every URL.

    No page of the portal has a use for them, and they reach places that cannot take them:
    PostgreSQL refuses NUL in any text ("A string literal cannot contain NUL"), so a `%00` in a
    reference, a search term or an autocomplete query was a 500 wherever it met the database.
    Refused here, before any view or form sees the request (the usage record of Art 7, which
    cleans what it stores, still notes it). Bodies are the forms' to check (Django's CharField
    refuses NUL).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if CONTROL_CHARACTERS.search(request.path_info) or any(
            CONTROL_CHARACTERS.search(key) or any(CONTROL_CHARACTERS.search(v) for v in values)
            for key, values in request.GET.lists()
        ):
            # The message names no part of the request: a path may hold a link token.
            raise ControlCharacterInRequest("Control character in the request path or query.")
        return self.get_response(request)


class StaffSessionMiddleware:
    """Log out a staff session that is idle too long, too old, or ended by an administrator.

    ASVS 3.3.2 (L2): re-authentication after 30 minutes idle or 12 hours in all. Only Django
    users have such sessions here (jobseekers never hold a user account).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            self._check(request, user)
        return self.get_response(request)

    def _check(self, request: HttpRequest, user) -> None:
        session = request.session
        now = time.time()
        auth_at = session.get(AUTH_AT)
        last_seen = session.get(LAST_SEEN)
        if not isinstance(auth_at, int | float) or not isinstance(last_seen, int | float):
            # A session from before these stamps existed: it cannot prove its age.
            self._end(request, _("Please log in again."))
            return
        if now - auth_at > settings.STAFF_SESSION_ABSOLUTE_TIMEOUT.total_seconds():
            self._end(request, _("Your session reached its time limit. Please log in again."))
            return
        if now - last_seen > settings.STAFF_SESSION_IDLE_TIMEOUT.total_seconds():
            self._end(request, _("You were logged out after a period of inactivity."))
            return
        started = dt.datetime.fromtimestamp(auth_at, tz=dt.UTC)
        if SessionCutoff.objects.filter(user_id=user.pk, not_before__gt=started).exists():
            self._end(request, _("Your session was ended by an administrator."))
            return
        if now - last_seen >= _TOUCH_EVERY:
            session[LAST_SEEN] = now

    @staticmethod
    def _end(request: HttpRequest, message: str) -> None:
        logout(request)
        messages.warning(request, message)


# The attribute by which a view's response says it may be cached (`shared_cache_allowed`).
CACHEABLE = "cache_allowed_by_view"


def shared_cache_allowed(*, max_age: int):
    """Let browsers and shared caches keep this view's successful responses for `max_age` s.

    The one way out of `NoStoreMiddleware`, for a page that is the same for everyone and holds
    nothing personal and no CSRF token (every page with the base layout has one, in the language
    switcher). An error the view raises is answered by Django, without the mark: no-store.
    """

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            response = view(request, *args, **kwargs)
            if response.status_code == 200:
                patch_cache_control(response, public=True, max_age=max_age)
                setattr(response, CACHEABLE, True)
            return response

        return wrapper

    return decorator


class NoStoreMiddleware:
    """Every response of the portal is `Cache-Control: no-store`, unless its view opted out.

    Pages show personal data — a name and 求職番号, an email, a reservation behind its link, a
    counselor's day — and are read on shared PCs in libraries and offices, where the next person
    could open them from the browser's cache or its back button, and through proxies that could
    keep them. Marking each page would leave the next one forgotten; here a new page is private
    until it says otherwise (`shared_cache_allowed`). The slot-choice page, built from a shared
    server-side cache, reaches the browser through here like any other. Static files never get
    here: WhiteNoise (production) answers them first, with their own long-lived headers.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not getattr(response, CACHEABLE, False):
            # Whatever a view or a library set (a `max-age`, `public`) is replaced, not merged.
            del response["Cache-Control"]
            add_never_cache_headers(response)
        return response
