"""On PostgreSQL, one counselor's slots never overlap (an exclusion constraint).

SQLite cannot hold this rule; there the slot service checks it inside its transaction.
"""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    "ALTER TABLE bookings_slot ADD CONSTRAINT slot_no_overlap_per_counselor "
    "EXCLUDE USING gist (counselor_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)",
]
BACKWARD = ["ALTER TABLE bookings_slot DROP CONSTRAINT IF EXISTS slot_no_overlap_per_counselor"]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in FORWARD:
            schema_editor.execute(sql)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in BACKWARD:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("bookings", "0002_initial")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
