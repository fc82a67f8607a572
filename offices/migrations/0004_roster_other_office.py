"""Office.roster_other_office: warn about (the default, as before) or refuse a roster row whose
number another office registers (issue 18)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("offices", "0003_meeting_provider")]

    operations = [
        migrations.AddField(
            model_name="office",
            name="roster_other_office",
            field=models.CharField(
                choices=[("warn", "Warn, and import the row"), ("refuse", "Refuse the row")],
                default="warn",
                help_text=(
                    "A roster row whose number does not begin with the registration code above: "
                    "warn and import it, or refuse it (then nothing is imported until the row is "
                    "removed)."
                ),
                max_length=10,
                verbose_name="numbers of another office in a roster",
            ),
        ),
    ]
