"""Reads of jobseekers: the admin's search and the journey's cheapest look-up."""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import QuerySet, Value
from django.db.models.functions import Replace

from core.names import name_key

from .models import NAME_KEY_SEPARATOR, Jobseeker, jobseeker_name_key
from .numbers import normalize_jobseeker_number


def jobseekers_search(*, queryset: QuerySet, term: str) -> QuerySet:
    """Find by 求職番号 typed any way a person types it, or by name as staff type it (kanji
    variants, kanji or kana of either kind, any width or spacing: core.names.name_key), among
    jobseekers or registration requests."""
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
    # The key folds kanji variants (高橋 finds 髙橋), widths, hiragana/katakana and spaces; the
    # stored key holds the name's and the reading's (Jobseeker.name_key), so either is found.
    key = name_key(term)
    if not key or NAME_KEY_SEPARATOR in key:
        return queryset.none()
    if queryset.model is Jobseeker:
        return queryset.filter(name_key__contains=key)
    # Registration requests keep no key column (few, and kept a short time): their names are
    # keyed here, the same way.
    names = queryset.values_list(
        "pk", "family_name", "given_name", "family_name_kana", "given_name_kana"
    )
    found = [pk for pk, *parts in names if key in jobseeker_name_key(*parts)]
    return queryset.filter(pk__in=found)


def jobseeker_office_id(*, pk: int) -> int | None:
    """The office of a signed-in jobseeker still on record, or None.

    The slot-choice page served from the cache needs only this of its jobseeker. It is read
    with one plain statement rather than the ORM: building the ORM query costs several
    times what PostgreSQL takes to answer it, on the journey's busiest page.
    """
    # Only the table and column names (from the model) are formatted in; the value is bound.
    meta = Jobseeker._meta
    office, anonymised = meta.get_field("office").column, meta.get_field("anonymised_at").column
    sql = f"SELECT {office} FROM {meta.db_table} WHERE id = %s AND {anonymised} IS NULL"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk])
        row = cursor.fetchone()
    return row[0] if row else None
