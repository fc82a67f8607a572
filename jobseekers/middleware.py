"""Usage records of the public pages (Art 7) and a fresh personal-data context per request."""

import logging

from django.conf import settings
from django.db import DatabaseError

from core.ratelimit import client_ip

from .logscrub import personal_data_context_end, personal_data_context_start
from .usage import clean_path, usage_record_write

logger = logging.getLogger(__name__)

# The session key under which the public journey keeps the signed-in jobseeker's id.
JOBSEEKER_SESSION_KEY = "journey_jobseeker"  # portal.views.SESSION_JOBSEEKER


def _jobseeker_id(request) -> int | None:
    jobseeker = getattr(request, "jobseeker", None)
    if jobseeker is not None and getattr(jobseeker, "pk", None):
        return jobseeker.pk
    session = getattr(request, "session", None)
    if session is None:
        return None
    try:
        value = session.get(JOBSEEKER_SESSION_KEY)
    except Exception:  # an unreadable session must not break the page
        return None
    return value if isinstance(value, int) else None


def is_public(path: str) -> bool:
    return not any(path.startswith(prefix) for prefix in settings.USAGE_RECORD_EXCLUDE_PREFIXES)


class UsageRecordMiddleware:
    """Record each public-page request after its response: time, clean path, status, device."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = personal_data_context_start()
        try:
            response = self.get_response(request)
            if is_public(request.path_info):
                self._record(request, response)
            return response
        finally:
            personal_data_context_end(token)

    def _record(self, request, response) -> None:
        match = getattr(request, "resolver_match", None)
        try:
            usage_record_write(
                method=request.method or "",
                path=clean_path(
                    request.path,
                    request.META.get("QUERY_STRING", ""),
                    match.kwargs if match is not None else None,
                ),
                status=response.status_code,
                ip_address=client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
                jobseeker_id=_jobseeker_id(request),
            )
        except (DatabaseError, ValueError):
            # A lost usage record must never cost the jobseeker the page.
            logger.warning("usage record not written", exc_info=True)
