"""Django's session middleware, with what a failed save means decided here.

Django saves a changed session after the view, and turns any database error of that save into
`SessionInterrupted`, a 400 "the request could not be read". Two cases are answered otherwise:

- A view that already committed what the jobseeker asked for (a booking) marks the request with
  `core.sessions.session_save_best_effort()`: its response (the way to the confirmation) goes out whatever
  happens to the session, and a failed save is only logged. What the session would have
  forgotten (the journey's answers) is harmless: the confirmation is reached through the
  reservation itself, and sending the booking again shows it.
- Otherwise a save that failed because PostgreSQL cannot serve re-raises the database's
  error, which `config.errors.server_error` answers with the 503 page ("try again in a minute"),
  not a 400 that blames the request.
"""

import logging

from django.contrib.sessions.exceptions import SessionInterrupted
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.db import DatabaseError, OperationalError

from core.sessions import session_save_is_best_effort

from .errors import database_unavailable

logger = logging.getLogger(__name__)


class SessionMiddleware(DjangoSessionMiddleware):
    def process_response(self, request, response):
        try:
            return super().process_response(request, response)
        except (SessionInterrupted, DatabaseError) as error:
            if session_save_is_best_effort(request):
                logger.warning(
                    "session not saved after a committed request (%s); answered anyway",
                    type(error).__name__,
                )
                return response
            if database_unavailable(error):
                raise OperationalError("the session could not be saved") from error
            raise
