import datetime as dt

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from .middleware import shared_cache_allowed


def lockout(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """The page django-axes answers with while a username or address is locked out (429)."""
    cooloff = settings.AXES_COOLOFF_TIME
    response = render(
        request,
        "security/lockout.html",
        {"cooloff_minutes": int(cooloff.total_seconds() // 60)},
        status=429,
    )
    response["Retry-After"] = str(int(cooloff.total_seconds()))
    return response


@require_safe
@shared_cache_allowed(max_age=24 * 60 * 60)
def security_txt(request: HttpRequest) -> HttpResponse:
    """RFC 9116: where to report a vulnerability (SECURITY_CONTACT); none configured, none shown."""
    contacts = [c for c in settings.SECURITY_CONTACT if c]
    if not contacts:
        raise Http404
    expires = (timezone.now() + dt.timedelta(days=180)).replace(microsecond=0)
    lines = [f"Contact: {contact}" for contact in contacts]
    lines += [
        f"Expires: {expires.astimezone(dt.UTC).isoformat().replace('+00:00', 'Z')}",
        "Preferred-Languages: ja, en",
        f"Canonical: {settings.SITE_URL.rstrip('/')}/.well-known/security.txt",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
