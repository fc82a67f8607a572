"""Jobseeker.name_key: the names as a search finds them (core.names.name_key), filled for every
jobseeker on record (issue 18: 高橋 finds 髙橋 りん)."""

from django.db import migrations, models

from core.names import name_key

BATCH = 2000


def fill_name_keys(apps, schema_editor):
    Jobseeker = apps.get_model("jobseekers", "Jobseeker")
    rows = Jobseeker.objects.only(
        "pk", "family_name", "given_name", "family_name_kana", "given_name_kana"
    ).order_by("pk")
    batch = []
    for jobseeker in rows.iterator(chunk_size=BATCH):
        # As jobseekers.models.jobseeker_name_key writes it (a migration keeps its own copy).
        jobseeker.name_key = (
            f"{name_key(jobseeker.family_name + jobseeker.given_name)}|"
            f"{name_key(jobseeker.family_name_kana + jobseeker.given_name_kana)}"
        )
        batch.append(jobseeker)
        if len(batch) >= BATCH:
            Jobseeker.objects.bulk_update(batch, ["name_key"])
            batch = []
    if batch:
        Jobseeker.objects.bulk_update(batch, ["name_key"])


class Migration(migrations.Migration):
    dependencies = [("jobseekers", "0006_audit_reservation_move")]

    operations = [
        migrations.AddField(
            model_name="jobseeker",
            name="name_key",
            field=models.CharField(
                blank=True,
                db_default="",
                editable=False,
                max_length=210,
                verbose_name="name search key",
            ),
        ),
        migrations.RunPython(fill_name_keys, migrations.RunPython.noop, elidable=True),
    ]
