import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import UserFactory
from tests.security.conftest import PASSWORD, current_code

pytestmark = pytest.mark.django_db


def test_otp_enroll_bootstraps_the_first_administrator(capsys, client):
    admin_user = UserFactory(username="root", is_superuser=True)
    call_command("otp_enroll", "root")
    out = capsys.readouterr().out
    device = TOTPDevice.objects.get(user=admin_user)
    assert device.confirmed
    assert "otpauth://totp/" in out and device.config_url in out
    # The printed key is enough to log in.
    response = client.post(
        "/admin/login/",
        {"username": "root", "password": PASSWORD, "otp_token": current_code(device)},
    )
    assert response.status_code == 302


def test_otp_enroll_refuses_to_replace_silently():
    UserFactory(username="root", is_superuser=True)
    call_command("otp_enroll", "root", "--no-qr")
    with pytest.raises(CommandError, match="--replace"):
        call_command("otp_enroll", "root", "--no-qr")
    call_command("otp_enroll", "root", "--replace", "--no-qr")
    assert TOTPDevice.objects.filter(user__username="root").count() == 1


def test_otp_enroll_refuses_non_staff_and_unknown_users():
    UserFactory(username="visitor", is_staff=False)
    with pytest.raises(CommandError, match="not a staff"):
        call_command("otp_enroll", "visitor")
    with pytest.raises(CommandError, match="No user"):
        call_command("otp_enroll", "ghost")


def test_otp_code_works_only_with_debug(settings, capsys):
    user = UserFactory(username="demo")
    device = TOTPDevice.objects.create(user=user, name="x", confirmed=True)
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("otp_code", "demo")
    settings.DEBUG = True
    call_command("otp_code", "demo")
    assert capsys.readouterr().out.strip() == current_code(device)


def test_seed_demo_gives_every_staff_login_an_authenticator(capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "otpauth://totp/" in out
    staff = get_user_model().objects.filter(is_staff=True)
    assert staff.exists()
    for user in staff:
        assert TOTPDevice.objects.filter(user=user, confirmed=True).exists(), user
