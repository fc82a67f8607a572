"""Session facts the time-outs read: when the user authenticated and when last seen."""

import time

from django.conf import settings
from django.http import HttpRequest

AUTH_AT = "security.auth_at"
LAST_SEEN = "security.last_seen"


def session_stamp_login(request: HttpRequest) -> None:
    now = time.time()
    request.session[AUTH_AT] = now
    request.session[LAST_SEEN] = now
    # The store drops an idle staff session too (cookie and row), not only the middleware.
    request.session.set_expiry(int(settings.STAFF_SESSION_IDLE_TIMEOUT.total_seconds()))
