"""Bureau, Office, OfficeClosedDay and StaffProfile, moved here from `bookings` (issue 17).

State only: the tables were made by bookings' migrations and keep their names (db_table);
`offices.0002` carries their content types, and with them permissions and admin log entries.
"""

import datetime
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("bookings", "0005_staff_groups"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Bureau',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('code', models.SlugField(unique=True)),
                        ('name', models.CharField(max_length=100, verbose_name='name')),
                        ('name_en', models.CharField(blank=True, max_length=100, verbose_name='name (English)')),
                    ],
                    options={
                        'verbose_name': 'labour bureau',
                        'verbose_name_plural': 'labour bureaus',
                        'db_table': 'bookings_bureau',
                    },
                ),
                migrations.CreateModel(
                    name='Office',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('code', models.SlugField(unique=True)),
                        ('registration_code', models.CharField(blank=True, help_text='The first five digits of the jobseeker numbers this office registers.', max_length=5, null=True, unique=True, verbose_name='registration code')),
                        ('name', models.CharField(max_length=100, verbose_name='name')),
                        ('name_en', models.CharField(blank=True, max_length=100, verbose_name='name (English)')),
                        ('phone', models.CharField(max_length=30, verbose_name='phone')),
                        ('email', models.EmailField(blank=True, max_length=254, verbose_name='email')),
                        ('address', models.CharField(blank=True, max_length=200, verbose_name='address')),
                        ('address_en', models.CharField(blank=True, max_length=200, verbose_name='address (English)')),
                        ('opens_at', models.TimeField(default=datetime.time(8, 30), verbose_name='opens at')),
                        ('closes_at', models.TimeField(default=datetime.time(17, 15), verbose_name='closes at')),
                        ('video_app_name', models.CharField(default='Zoom', max_length=100, verbose_name='video app')),
                        ('video_app_terms_url', models.URLField(blank=True, verbose_name='video app terms URL')),
                        ('video_app_guide_url', models.URLField(blank=True, verbose_name='video app set-up guide URL')),
                        ('cutoff_days_before', models.PositiveSmallIntegerField(default=1, verbose_name='booking cut-off (days before)')),
                        ('cutoff_hour', models.PositiveSmallIntegerField(default=24, verbose_name='booking cut-off (hour of that day)')),
                        ('booking_horizon_weeks', models.PositiveSmallIntegerField(default=4, verbose_name='weeks ahead bookable')),
                        ('max_upcoming_web_bookings', models.PositiveSmallIntegerField(default=1, verbose_name='upcoming web bookings a jobseeker may hold')),
                        ('noshow_threshold', models.PositiveSmallIntegerField(default=2, verbose_name='no-shows before review')),
                        ('noshow_window_days', models.PositiveSmallIntegerField(default=180, verbose_name='no-show window (days)')),
                        ('auto_suspend_on_threshold', models.BooleanField(default=False, verbose_name='suspend automatically at the threshold')),
                        ('online_cancellation_allowed', models.BooleanField(default=False, help_text='Off by default: the terms say cancellation is by phone (Art 6(5)).', verbose_name='online cancellation allowed')),
                        ('unverified_may_book', models.BooleanField(default=False, verbose_name='unverified jobseekers may book')),
                        ('other_offices_slots_visible', models.BooleanField(default=False, verbose_name="jobseekers may book other offices' slots")),
                        ('reminder_hour', models.PositiveSmallIntegerField(default=17, verbose_name='reminder hour (day before)')),
                        ('meeting_url_mode', models.CharField(choices=[('counselor_room', "The counselor's personal room URL"), ('template', "A URL made per reservation from the office's template")], default='counselor_room', max_length=20, verbose_name='meeting URL')),
                        ('meeting_url_template', models.CharField(blank=True, help_text='Used in template mode; {token} is replaced by an unguessable part.', max_length=300, verbose_name='meeting URL template')),
                        ('is_active', models.BooleanField(default=True, verbose_name='active')),
                        ('bureau', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='offices', to='offices.bureau')),
                    ],
                    options={
                        'verbose_name': 'office',
                        'verbose_name_plural': 'offices',
                        'db_table': 'bookings_office',
                        'ordering': ['code'],
                    },
                ),
                migrations.CreateModel(
                    name='OfficeClosedDay',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('date', models.DateField(verbose_name='date')),
                        ('reason', models.CharField(blank=True, max_length=100, verbose_name='reason')),
                        ('office', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='closed_days', to='offices.office')),
                    ],
                    options={
                        'verbose_name': 'office closed day',
                        'verbose_name_plural': 'office closed days',
                        'db_table': 'bookings_officeclosedday',
                        'ordering': ['date'],
                    },
                ),
                migrations.CreateModel(
                    name='StaffProfile',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('bureau', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='staff', to='offices.bureau')),
                        ('office', models.ForeignKey(blank=True, help_text='Empty for a bureau administrator.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='staff', to='offices.office')),
                        ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='staff_profile', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'staff profile',
                        'verbose_name_plural': 'staff profiles',
                        'db_table': 'bookings_staffprofile',
                    },
                ),
                migrations.AddConstraint(
                    model_name='office',
                    constraint=models.CheckConstraint(condition=models.Q(('cutoff_hour__lte', 24)), name='office_cutoff_hour_range'),
                ),
                migrations.AddConstraint(
                    model_name='office',
                    constraint=models.CheckConstraint(condition=models.Q(('reminder_hour__lte', 23)), name='office_reminder_hour_range'),
                ),
                migrations.AddConstraint(
                    model_name='office',
                    constraint=models.CheckConstraint(condition=models.Q(('opens_at__lt', models.F('closes_at'))), name='office_hours_order'),
                ),
                migrations.AddConstraint(
                    model_name='office',
                    constraint=models.CheckConstraint(condition=models.Q(('booking_horizon_weeks__gte', 1)), name='office_horizon_positive'),
                ),
                migrations.AddConstraint(
                    model_name='office',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('meeting_url_mode', 'template'), _negated=True), ('meeting_url_template__contains', '{token}'), _connector='OR'), name='office_meeting_template_has_token'),
                ),
                migrations.AddConstraint(
                    model_name='officeclosedday',
                    constraint=models.UniqueConstraint(fields=('office', 'date'), name='closed_day_once_per_office'),
                ),
            ],
            database_operations=[],
        ),
    ]
