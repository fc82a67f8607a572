"""Public pages: the terms of use (Art 14), the privacy notice (Art 7, 9) and the accessibility
policy (ウェブアクセシビリティ方針)."""

import datetime as dt
import json
import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from bookings.selectors import office_list_public
from consent.models import TermsVersion
from consent.selectors import terms_earlier, terms_in_force, terms_published, terms_upcoming
from core.calendar import format_jp_date
from offices.models import Bureau

logger = logging.getLogger(__name__)


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


IMPACTS = ["critical", "serious", "moderate", "minor"]


def _accessibility_pages(rows: list[dict]) -> list[dict]:
    """The report's rows (one per page, language, width and check) as one entry per page: the
    languages and widths axe checked, the most violations of each impact, the widths with no
    sideways scroll, whether it was used with the keyboard alone, the names a screen reader
    says that a test checked."""
    pages: dict[str, dict] = {}
    for row in rows:
        page = pages.setdefault(
            row["page"],
            {
                "page": row["page"],
                "staff": row["page"].startswith("/admin/"),
                "languages": set(),
                "widths": set(),
                "violations": dict.fromkeys(IMPACTS, 0),
                "best_practice": False,
                "fits": set(),
                "keyboard": False,
                "announced": 0,
            },
        )
        result = row["result"]
        if row["check"] == "axe":
            page["languages"].add(row["language"])
            page["widths"].add(row["width"])
            page["best_practice"] |= "best-practice" in result["tags"]
            for impact in IMPACTS:
                page["violations"][impact] = max(
                    page["violations"][impact], result["violations"].get(impact, 0)
                )
        elif row["check"] == "fits" and result:
            page["fits"].add(row["width"])
        elif row["check"] == "keyboard":
            page["keyboard"] = True
        elif row["check"] == "announced":
            page["announced"] += len(result)
    for page in pages.values():
        page["languages"] = sorted(page["languages"], key=["ja", "en"].index)
        page["widths"] = sorted(page["widths"])
        page["fits"] = sorted(page["fits"])
        page["blocking"] = page["violations"]["critical"] + page["violations"]["serious"]
        page["other"] = page["violations"]["moderate"] + page["violations"]["minor"]
    return sorted(pages.values(), key=lambda p: p["page"])


def _accessibility_report() -> dict | None:
    """The committed report (settings.ACCESSIBILITY_REPORT), or None when it cannot be read."""
    try:
        with open(settings.ACCESSIBILITY_REPORT, encoding="utf-8") as handle:
            report = json.load(handle)
        pages = _accessibility_pages(report["rows"])
        tested_on = dt.date.fromisoformat(report["date"])
        axe = max((r["result"]["axe"] for r in report["rows"] if r["check"] == "axe"), default="")
    except (OSError, ValueError, KeyError, TypeError):
        logger.warning("accessibility report not readable", exc_info=True)
        return None
    return {
        "tested_on": tested_on,
        "browser": report.get("browser", ""),
        "axe": axe,
        "public": [p for p in pages if not p["staff"]],
        "staff": [p for p in pages if p["staff"]],
        "groups": [
            {"id": "public", "pages": [p for p in pages if not p["staff"]]},
            {"id": "staff", "pages": [p for p in pages if p["staff"]]},
        ],
        "keyboard": [p["page"] for p in pages if p["keyboard"]],
        "blocking": sum(p["blocking"] for p in pages),
    }


@require_safe
def accessibility(request: HttpRequest) -> HttpResponse:
    """ウェブアクセシビリティ方針: the target (JIS X 8341-3:2016 AA), the pages covered, how they
    are tested and the latest result, from the report the browser tests wrote."""
    report = _accessibility_report()
    return render(
        request,
        "consent/accessibility.html",
        {
            "report": report,
            "tested_on": format_jp_date(report["tested_on"]) if report else "",
            "offices": office_list_public(),
        },
    )
