"""Bench-only views, routed by `bench/urls.py` under `config.settings.bench` only."""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from offices.models import Office


@require_safe
def trivial(request: HttpRequest) -> HttpResponse:
    """The baseline: one small query through the same middleware and server as the real pages."""
    office = Office.objects.only("name").order_by("pk").first()
    return HttpResponse(f"ok {office.name if office else ''}", content_type="text/plain")
