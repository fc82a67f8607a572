from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


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
