"""Jobseekers', roster entries' and requests' office is now `offices.Office` (issue 17): state only."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('jobseekers', '0004_registration_requests'),
        ('offices', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='jobseeker',
                    name='office',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='jobseekers', to='offices.office', verbose_name='office'),
                ),
                migrations.AlterField(
                    model_name='registrationrequest',
                    name='office',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='registration_requests', to='offices.office', verbose_name='office'),
                ),
                migrations.AlterField(
                    model_name='rosterentry',
                    name='office',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='roster_entries', to='offices.office', verbose_name='office'),
                ),
            ],
            database_operations=[],
        ),
    ]
