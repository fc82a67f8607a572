"""Session facts the time-outs read: when the user authenticated and when last seen."""

import time

from django.http import HttpRequest

AUTH_AT = "security.auth_at"
LAST_SEEN = "security.last_seen"


def session_stamp_login(request: HttpRequest) -> None:
    now = time.time()
    request.session[AUTH_AT] = now
    request.session[LAST_SEEN] = now
