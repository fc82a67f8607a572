"""The offices' models leave `bookings` for `offices` (issue 17): state only, the tables stay.

The foreign keys of counselors, slots and reservations point to `offices.Office`; then the four
models are removed from bookings' state (every other app already points to `offices`).
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('bookings', '0005_staff_groups'),
        ('consent', '0003_bureau_in_offices'),
        ('jobseekers', '0005_office_in_offices'),
        ('offices', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='staffprofile',
                    name='bureau',
                ),
                migrations.RemoveConstraint(
                    model_name='office',
                    name='office_cutoff_hour_range',
                ),
                migrations.RemoveConstraint(
                    model_name='office',
                    name='office_reminder_hour_range',
                ),
                migrations.RemoveConstraint(
                    model_name='office',
                    name='office_hours_order',
                ),
                migrations.RemoveConstraint(
                    model_name='office',
                    name='office_horizon_positive',
                ),
                migrations.RemoveConstraint(
                    model_name='office',
                    name='office_meeting_template_has_token',
                ),
                migrations.RemoveField(
                    model_name='staffprofile',
                    name='office',
                ),
                migrations.AlterField(
                    model_name='reservation',
                    name='office',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='reservations', to='offices.office'),
                ),
                migrations.AlterField(
                    model_name='slot',
                    name='office',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='slots', to='offices.office'),
                ),
                migrations.AlterField(
                    model_name='counselor',
                    name='office',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='counselors', to='offices.office'),
                ),
                migrations.RemoveConstraint(
                    model_name='officeclosedday',
                    name='closed_day_once_per_office',
                ),
                migrations.RemoveField(
                    model_name='office',
                    name='bureau',
                ),
                migrations.RemoveField(
                    model_name='officeclosedday',
                    name='office',
                ),
                migrations.DeleteModel(
                    name='StaffProfile',
                ),
                migrations.DeleteModel(
                    name='Bureau',
                ),
                migrations.DeleteModel(
                    name='Office',
                ),
                migrations.DeleteModel(
                    name='OfficeClosedDay',
                ),
            ],
            database_operations=[],
        ),
    ]
