"""Reads shared by pages and admin."""

from django.db.models import QuerySet

from .models import Office


def office_list_public() -> QuerySet[Office]:
    return Office.objects.filter(is_active=True).select_related("bureau").order_by("code")
