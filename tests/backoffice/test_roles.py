"""The role groups outlive a flush (every transactional test ends with one)."""

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from offices.groups import GROUPS, staff_groups_ensure


@pytest.mark.django_db(transaction=True)
def test_the_role_groups_and_their_permissions_come_back_after_a_flush():
    call_command("flush", interactive=False, verbosity=0)
    assert set(Group.objects.values_list("name", flat=True)) == set(GROUPS)
    staff = Group.objects.get(name="Office staff")
    assert staff.permissions.filter(codename="phone_reservation").exists()
    assert (
        not Group.objects.get(name="Counselor")
        .permissions.filter(codename="phone_reservation")
        .exists()
    )


@pytest.mark.django_db
def test_an_existing_group_is_left_as_the_administrator_set_it():
    counselor = Group.objects.get(name="Counselor")
    counselor.permissions.clear()
    assert staff_groups_ensure() == []
    assert counselor.permissions.count() == 0


@pytest.mark.django_db
def test_the_admin_speaks_japanese_in_its_header_and_section_names(client):
    from tests.backoffice.conftest import BUREAU_ADMIN, make_user
    from tests.factories import OfficeFactory
    from tests.helpers import staff_login

    staff_login(client, make_user(BUREAU_ADMIN, office=OfficeFactory()))
    body = client.get("/admin/").content.decode()
    assert "ハローワーク オンライン職業相談（職員用）" in body
    assert "Django" not in body.split("<body", 1)[1].split("<main", 1)[0]
    for section in ["予約と日程", "利用規約と同意", "求職者", "通知"]:
        assert section in body
