"""Bench-only views, routed by `bench/urls.py` under `config.settings.bench` only."""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from bookings.errors import BookingError
from bookings.models import Office, ReservationSource
from bookings.services.reservations import reservation_create

CHECKLIST = [
    "secure_device",
    "no_unknown_wifi",
    "os_patched",
    "firewall_on",
    "no_file_sharing",
    "antivirus_current",
    "app_tested",
]


@require_safe
def trivial(request: HttpRequest) -> HttpResponse:
    """The baseline: one small query through the same middleware and server as the real pages."""
    office = Office.objects.only("name").order_by("pk").first()
    return HttpResponse(f"ok {office.name if office else ''}", content_type="text/plain")


@csrf_exempt
@require_POST
def book(request: HttpRequest) -> HttpResponse:
    """A booking through the service, as the booking form will make it (interim bench target)."""
    try:
        slot_id = int(request.POST["slot"])
        jobseeker_id = int(request.POST["jobseeker"])
    except (KeyError, ValueError):
        return HttpResponse("bad request", status=400, content_type="text/plain")
    try:
        reservation = reservation_create(
            slot=slot_id,
            jobseeker=jobseeker_id,
            source=ReservationSource.WEB,
            environment_checklist=dict.fromkeys(CHECKLIST, True),
        )
    except BookingError as exc:
        # 200, as the booking form re-rendered with the refusal would answer.
        return HttpResponse(f"refused {exc.code}", content_type="text/plain")
    return HttpResponse(reservation.reference, status=201, content_type="text/plain")
