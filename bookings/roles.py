"""The three staff roles as groups: made by migration 0005 and made again after a flush.

The table below is the roles as the code defines them today; migration 0005 keeps its own
frozen copy (runtime code never imports a migration, so migrations can be squashed).

`manage.py flush` (and every transactional test's teardown) empties auth_group; Django then
re-creates content types and permissions through post_migrate, and so do we for the groups, so a
database is never left without the roles the admin's scoping relies on. A group that exists is
left as it is: an administrator's changes to its permissions are not overwritten.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import DEFAULT_DB_ALIAS

# The permissions of each role, by app label. A change here reaches new and flushed
# databases; an existing database needs a data migration for it.
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


def staff_groups_ensure(*, apps=global_apps, using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Create the missing role groups with their permissions; returns the names created."""
    try:
        Group = apps.get_model("auth", "Group")
        Permission = apps.get_model("auth", "Permission")
    except LookupError:  # a migration state without auth
        return []
    missing = [name for name in GROUPS if not Group.objects.using(using).filter(name=name).exists()]
    if not missing:
        return []
    labels = {label for by_app in GROUPS.values() for label in by_app}
    for label in labels:
        create_permissions(global_apps.get_app_config(label), verbosity=0, using=using, apps=apps)
    for name in missing:
        group = Group.objects.using(using).create(name=name)
        for label, codenames in GROUPS[name].items():
            group.permissions.add(
                *Permission.objects.using(using).filter(
                    content_type__app_label=label, codename__in=codenames
                )
            )
    return missing


def _after_migrate(sender, using=DEFAULT_DB_ALIAS, apps=global_apps, **kwargs) -> None:
    if sender.label == "bookings":
        staff_groups_ensure(apps=apps, using=using)
