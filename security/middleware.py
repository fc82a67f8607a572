"""Idle and absolute time-outs of staff sessions, and sessions ended by an administrator."""

import datetime as dt
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from .models import SessionCutoff
from .sessions import AUTH_AT, LAST_SEEN

# Writing the session on every request costs a write per click; a minute of slack is enough
# for a 30-minute idle limit.
_TOUCH_EVERY = 60


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
