"""The 500 and 503 pages: in the jobseeker's language, with the offices' phone numbers, and
rendered without the database or the cache (either may be what failed).

Django calls `server_error` (handler500) for any exception nothing else answered, from a view
or from a middleware. An exception that says PostgreSQL cannot be reached or cannot serve
right now (restarting, starting up, shutting down, the connection lost) is not a fault of the
page: it gets the 503 page, "we are restarting, try again in a minute", with Retry-After.
Everything else gets the 500 page.

The language is read from the language cookie and Accept-Language, as LocaleMiddleware reads
it; the phone numbers from the offices' snapshot (`bookings.contacts`); the template is
rendered with no request, so that no context processor reaches the session or the user.
"""

import logging
import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import translation

from bookings.contacts import office_contacts

logger = logging.getLogger(__name__)

# Said in both languages if even the template cannot be rendered.
LAST_RESORT = (
    "<!doctype html><html lang='ja'><meta charset='utf-8'><title>エラー / Error</title>"
    "<p>ただいまご利用いただけません。しばらくしてからもう一度お試しください。</p>"
    "<p lang='en'>The service is not available right now. Please try again later.</p></html>"
)


def database_unavailable(error: BaseException | None) -> bool:
    """Does `error` (or what caused it) say the database cannot serve right now?

    Django wraps every psycopg OperationalError (connection refused or lost, "the database
    system is starting up" / "shutting down", admin shutdown, a statement cancelled, a
    deadlock) and InterfaceError (a connection already closed) in these two classes.
    """
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, OperationalError | InterfaceError):
            return True
        error = error.__cause__ or error.__context__
    return False


def request_language(request: HttpRequest) -> str:
    """The page language from the cookie or Accept-Language alone (no session, no database)."""
    try:
        return translation.get_language_from_request(request)
    except Exception:  # noqa: BLE001 - a malformed header must not break the error page
        return settings.LANGUAGE_CODE


def error_page(request: HttpRequest, template: str, *, status: int) -> HttpResponse:
    language = request_language(request)
    retry_after = settings.SERVICE_UNAVAILABLE_RETRY_AFTER
    try:
        with translation.override(language):
            body = render_to_string(
                template,
                {
                    "LANGUAGE_CODE": language,
                    "contacts": office_contacts(),
                    "retry_minutes": max(1, round(retry_after / 60)),
                },
            )
    except Exception:  # noqa: BLE001 - the error page itself must answer
        logger.exception("error page %s could not be rendered", template)
        body = LAST_RESORT
    response = HttpResponse(body, status=status)
    response["Content-Language"] = language
    response["Cache-Control"] = "no-store"
    if status == 503:
        response["Retry-After"] = str(retry_after)
    return response


def service_unavailable(request: HttpRequest) -> HttpResponse:
    return error_page(request, "503.html", status=503)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: the 503 page when the database is away, the 500 page otherwise."""
    if database_unavailable(sys.exc_info()[1]):
        return service_unavailable(request)
    return error_page(request, "500.html", status=500)
