from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from .selectors import office_list_public


@require_safe
def start(request: HttpRequest) -> HttpResponse:
    return render(request, "bookings/start.html", {"offices": office_list_public()})
