"""Users of each role, made the way an administrator makes them: a group and a staff profile."""

import pytest
from django.contrib.auth.models import Group

from tests.factories import BureauFactory, OfficeFactory, StaffProfileFactory, UserFactory

COUNSELOR = "Counselor"
OFFICE_STAFF = "Office staff"
BUREAU_ADMIN = "Bureau administrator"


def make_user(role: str, *, office=None, bureau=None):
    user = UserFactory()
    user.groups.add(Group.objects.get(name=role))
    if role == BUREAU_ADMIN:
        StaffProfileFactory(user=user, office=None, bureau=bureau or office.bureau)
    else:
        StaffProfileFactory(user=user, office=office)
    return user


@pytest.fixture
def office():
    return OfficeFactory()


@pytest.fixture
def other_office():
    """Another office of the same bureau."""
    return OfficeFactory()


@pytest.fixture
def foreign_office():
    """An office of another bureau."""
    return OfficeFactory(bureau=BureauFactory(code="hiroshima", name="広島労働局"))


@pytest.fixture
def staff_user(office):
    return make_user(OFFICE_STAFF, office=office)


@pytest.fixture
def counselor_user(office):
    return make_user(COUNSELOR, office=office)


@pytest.fixture
def bureau_user(office):
    return make_user(BUREAU_ADMIN, bureau=office.bureau)
