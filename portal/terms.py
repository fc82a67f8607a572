"""Public pages: the terms of use (Art 14) and the privacy notice (Art 7, 9)."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from bookings.selectors import office_list_public
from consent.models import TermsVersion
from consent.selectors import terms_earlier, terms_in_force, terms_published, terms_upcoming
from offices.models import Bureau


@require_safe
def terms_index(request: HttpRequest) -> HttpResponse:
    """The bureau's terms; with several bureaus on one site, the list of them."""
    bureaus = list(Bureau.objects.filter(offices__is_active=True).distinct().order_by("code"))
    if len(bureaus) == 1:
        return redirect("consent:terms", bureau=bureaus[0].code)
    return render(request, "consent/terms_index.html", {"bureaus": bureaus})


@require_safe
def terms(request: HttpRequest, bureau: str) -> HttpResponse:
    """The version in force, any announced one, and the earlier versions."""
    bureau_obj = get_object_or_404(Bureau, code=bureau)
    now = timezone.now()
    return render(
        request,
        "consent/terms.html",
        {
            "bureau": bureau_obj,
            "current": terms_in_force(bureau_id=bureau_obj.pk, now=now),
            "upcoming": list(terms_upcoming(bureau_id=bureau_obj.pk, now=now)),
            "earlier": list(terms_earlier(bureau_id=bureau_obj.pk, now=now)),
        },
    )


@require_safe
def terms_version(request: HttpRequest, pk: int) -> HttpResponse:
    """One published version; a draft is not found (it is previewed in the admin only)."""
    version = get_object_or_404(
        TermsVersion.objects.select_related("bureau"), pk=pk, published_at__isnull=False
    )
    now = timezone.now()
    later = (
        terms_published(bureau_id=version.bureau_id)
        .filter(effective_from__gt=version.effective_from)
        .order_by("effective_from")
        .first()
    )
    return render(
        request,
        "consent/terms_version.html",
        {
            "bureau": version.bureau,
            "version": version,
            "in_force_until": later.effective_from if later else None,
            "is_current": version.effective_from <= now
            and (later is None or later.effective_from > now),
            "is_upcoming": version.effective_from > now,
        },
    )


@require_safe
def privacy(request: HttpRequest) -> HttpResponse:
    """What personal data the service keeps, why, for how long, and who to ask (Art 7, 9)."""
    return render(
        request,
        "consent/privacy.html",
        {
            "offices": office_list_public(),
            "usage_retention_days": settings.USAGE_RECORD_RETENTION_DAYS,
            "inactive_years": settings.JOBSEEKER_INACTIVE_YEARS,
        },
    )
