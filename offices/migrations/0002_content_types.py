"""The content types of the moved models take the new app label (issue 17).

A content type's id is what permissions (and so every group's and user's grants) and admin log
entries point to: renaming it in place carries them all over, and leaves no stale content type
for `remove_stale_contenttypes` to delete with the grants. A content type under the new label
that something created before this ran (Django's post_migrate does, after a migrate that stopped
between 0001 and this one) holds only permissions nobody was granted yet: it gives way.
"""

from django.db import migrations

MODELS = ["bureau", "office", "officeclosedday", "staffprofile"]


def relabel(apps, old: str, new: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        current = ContentType.objects.filter(app_label=old, model=model).first()
        if current is None:
            continue
        ContentType.objects.filter(app_label=new, model=model).delete()
        current.app_label = new
        current.save(update_fields=["app_label"])


def forward(apps, schema_editor):
    relabel(apps, "bookings", "offices")


def backward(apps, schema_editor):
    relabel(apps, "offices", "bookings")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("offices", "0001_initial"),
        ("bookings", "0006_offices_moved"),
    ]

    operations = [migrations.RunPython(forward, backward)]
