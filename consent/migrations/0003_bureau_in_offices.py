"""A terms version's bureau is now `offices.Bureau` (issue 17): state only, same table and column."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('consent', '0002_terms_published_immutable'),
        ('offices', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='termsversion',
                    name='bureau',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='terms', to='offices.bureau'),
                ),
            ],
            database_operations=[],
        ),
    ]
