"""Staff sessions end when idle, when too old, and when an administrator ends them."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from security.models import SessionCutoff
from tests.factories import UserFactory
from tests.helpers import staff_login
from tests.security.conftest import PASSWORD, current_code

pytestmark = pytest.mark.django_db

INDEX = "/admin/"


def _logged_out(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_an_active_session_stays(client):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        staff_login(client, UserFactory(is_superuser=True))
        for _ in range(3):
            clock.shift(settings.STAFF_SESSION_IDLE_TIMEOUT - dt.timedelta(minutes=2))
            assert client.get(INDEX).status_code == 200


def test_an_idle_session_is_logged_out(client):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        staff_login(client, UserFactory(is_superuser=True))
        assert client.get(INDEX).status_code == 200
        clock.shift(settings.STAFF_SESSION_IDLE_TIMEOUT + dt.timedelta(seconds=1))
        assert _logged_out(client.get(INDEX))
        assert "_auth_user_id" not in client.session


def test_a_busy_session_still_ends_at_the_absolute_limit(client):
    start = timezone.now()
    step = settings.STAFF_SESSION_IDLE_TIMEOUT / 2
    with time_machine.travel(start, tick=False) as clock:
        staff_login(client, UserFactory(is_superuser=True))
        elapsed = dt.timedelta(0)
        while elapsed + step < settings.STAFF_SESSION_ABSOLUTE_TIMEOUT:
            clock.shift(step)
            elapsed += step
            assert client.get(INDEX).status_code == 200, elapsed
        clock.shift(step + dt.timedelta(seconds=1))
        assert _logged_out(client.get(INDEX))


def test_a_session_without_login_stamps_is_not_trusted(client):
    staff_login(client, UserFactory(is_superuser=True))
    session = client.session
    del session["security.auth_at"]
    session.save()
    assert _logged_out(client.get(INDEX))


def test_an_administrator_ends_a_users_sessions(client):
    admin_user = UserFactory(is_superuser=True)
    target = UserFactory(is_superuser=True)
    target_client = staff_login(Client(), target)
    assert target_client.get(INDEX).status_code == 200

    staff_login(client, admin_user)
    response = client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "end_sessions", "_selected_action": [target.pk]},
    )
    assert response.status_code == 302
    assert SessionCutoff.objects.get(user=target).ended_by == admin_user
    assert _logged_out(target_client.get(INDEX))
    # The administrator's own session is untouched, and the target can log in again.
    assert client.get(INDEX).status_code == 200
    staff_login(target_client, target)
    assert target_client.get(INDEX).status_code == 200


def test_issuing_a_new_authenticator_replaces_the_key_and_ends_sessions(client):
    admin_user = UserFactory(is_superuser=True)
    target = UserFactory()
    old = TOTPDevice.objects.create(user=target, name="old", confirmed=True)
    old_code = current_code(old)
    target_client = staff_login(Client(), target)
    staff_login(client, admin_user)
    response = client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "issue_authenticator", "_selected_action": [target.pk]},
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    new = TOTPDevice.objects.get(user=target)
    assert new.pk != old.pk
    assert new.config_url in response.content.decode().replace("&amp;", "&")
    assert b"<svg" in response.content
    assert _logged_out(target_client.get(INDEX))
    # The old code no longer opens the admin.
    login = Client().post(
        "/admin/login/",
        {"username": target.username, "password": PASSWORD, "otp_token": old_code},
    )
    assert login.status_code == 200


def test_only_staff_with_the_permission_may_issue_authenticators(client):
    staff = UserFactory()
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_user", "change_user"])
    )
    target = UserFactory()
    staff_login(client, staff)
    client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "issue_authenticator", "_selected_action": [target.pk]},
    )
    assert not TOTPDevice.objects.filter(user=target).exists()
