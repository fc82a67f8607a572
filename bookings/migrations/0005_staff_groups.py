"""The three staff roles as groups with their permissions (issue 5).

Permissions are created here first: on a fresh database Django creates them only after all
migrations ran (post_migrate), too late for this one. They are created from this migration's
own state (`apps=apps`), not from today's models: since issue 17 moved the offices' models to
the `offices` app, today's `bookings` no longer has them; `offices.0002` then carries these
content types (and the groups' grants) over to the new label.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

COUNSELOR = {
    "bookings": [
        "view_office",
        "view_officeclosedday",
        "view_counselor",
        "add_weeklyavailability",
        "change_weeklyavailability",
        "delete_weeklyavailability",
        "view_weeklyavailability",
        "add_slot",
        "change_slot",
        "view_slot",
        "add_reservation",
        "change_reservation",
        "view_reservation",
    ],
    "jobseekers": ["view_jobseeker"],
}

OFFICE_STAFF = {
    "bookings": [
        *COUNSELOR["bookings"],
        "change_counselor",
        "add_officeclosedday",
        "change_officeclosedday",
        "delete_officeclosedday",
        "phone_reservation",
    ],
    "jobseekers": [
        "add_jobseeker",
        "change_jobseeker",
        "view_jobseeker",
        "add_rosterentry",
        "view_rosterentry",
    ],
    "notifications": ["view_notification"],
    "consent": ["view_consent"],
}

BUREAU_ADMIN = {
    "bookings": [
        *OFFICE_STAFF["bookings"],
        "view_bureau",
        "add_office",
        "change_office",
        "add_counselor",
        "add_staffprofile",
        "change_staffprofile",
        "view_staffprofile",
    ],
    "jobseekers": [*OFFICE_STAFF["jobseekers"], "view_auditentry", "change_rosterentry"],
    "notifications": ["view_notification"],
    "consent": ["add_termsversion", "change_termsversion", "view_termsversion", "view_consent"],
}

GROUPS = {
    "Counselor": COUNSELOR,
    "Office staff": OFFICE_STAFF,
    "Bureau administrator": BUREAU_ADMIN,
}


def create_groups(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, by_app in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        wanted = []
        for app_label, codenames in by_app.items():
            found = list(
                Permission.objects.filter(
                    content_type__app_label=app_label, codename__in=codenames
                )
            )
            missing = set(codenames) - {p.codename for p in found}
            if missing:
                raise RuntimeError(f"permissions missing for {app_label}: {sorted(missing)}")
            wanted.extend(found)
        group.permissions.add(*wanted)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("bookings", "0004_reservation_phone_fields"),
        ("jobseekers", "0003_rosterentry"),
        ("consent", "0002_terms_published_immutable"),
        ("notifications", "0002_delivery"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
