"""Which offices a staff user may see: the one rule every staff read is scoped by (Art 9)."""

from django.db.models import QuerySet

from .models import Office


def offices_for_staff(user) -> QuerySet[Office]:
    """Art 9, least privilege: staff see their office; a bureau administrator their bureau."""
    if user.is_superuser:
        return Office.objects.all()
    profile = getattr(user, "staff_profile", None)
    if profile is None:
        return Office.objects.none()
    if profile.office_id is None:
        return Office.objects.filter(bureau_id=profile.bureau_id)
    return Office.objects.filter(pk=profile.office_id)
