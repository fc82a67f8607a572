"""Dates of terms versions the Japanese way (2026年12月1日（火）) or in English."""

import datetime as dt

from django import template
from django.utils.translation import get_language

from core.calendar import format_jp_date, tokyo_date

register = template.Library()


@register.filter
def tokyo_day(moment: dt.datetime | None) -> str:
    """The Asia/Tokyo calendar day of `moment`, in the active language."""
    if moment is None:
        return ""
    return format_jp_date(tokyo_date(moment), get_language())


@register.filter
def localised(version, field: str) -> str:
    """`version.<field>_en` in English when it is written, else the Japanese original."""
    if (get_language() or "ja").startswith("en"):
        english = getattr(version, f"{field}_en", "")
        if english:
            return english
    return getattr(version, field)
