"""Reads of jobseekers shared by admin pages."""

import re
import unicodedata

import jaconv
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet, Value
from django.db.models.functions import Concat, Replace

from .models import Jobseeker
from .numbers import normalize_jobseeker_number


def jobseekers_search(*, queryset: QuerySet[Jobseeker], term: str) -> QuerySet[Jobseeker]:
    """Find by 求職番号 typed any way a person types it, or by name (kanji or kana, any spacing)."""
    text = unicodedata.normalize("NFKC", term or "").strip()
    if not text:
        return queryset.none()
    try:
        return queryset.filter(number=normalize_jobseeker_number(text))
    except ValidationError:
        pass
    digits = re.sub(r"[\s\-‐－ー―−]", "", text)
    if digits.isdigit():
        if len(digits) < 4:
            return queryset.none()
        return queryset.annotate(_digits=Replace("number", Value("-"), Value(""))).filter(
            _digits__contains=digits
        )
    squashed = re.sub(r"\s+", "", text)
    kana = jaconv.hira2kata(jaconv.h2z(squashed, kana=True, ascii=False, digit=False))
    return queryset.annotate(
        _name=Concat("family_name", "given_name"),
        _kana=Concat("family_name_kana", "given_name_kana"),
    ).filter(Q(_name__icontains=squashed) | Q(_kana__contains=kana))
