"""The admin needs the password and the authenticator's code; brute force is locked out."""

import datetime as dt
import re

import pytest
import time_machine
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import URLPattern, URLResolver, reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import UserFactory
from tests.security.conftest import PASSWORD, current_code

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"


def _post_login(client, username, password=PASSWORD, token="", **extra):
    return client.post(
        LOGIN,
        {"username": username, "password": password, "otp_token": token, "next": "/admin/"},
        **extra,
    )


def _admin_paths() -> list[str]:
    """Every URL of the admin, a number in each placeholder (new admin pages are included)."""
    paths: list[str] = []

    def walk(patterns, prefix: str) -> None:
        for entry in patterns:
            route = str(entry.pattern)
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + route)
            elif isinstance(entry, URLPattern):
                paths.append(prefix + route)

    walk(admin.site.get_urls(), "/admin/")
    filled = []
    for raw in paths:
        path = raw.lstrip("^").rstrip("$")
        for token in ("<path:object_id>", "<int:pk>", "<id>", "<pk>"):
            path = path.replace(token, "1")
        while "<" in path:
            start, end = path.index("<"), path.index(">")
            path = path[:start] + "1" + path[end + 1 :]
        path = path.replace("\\Z", "").replace("(?P", "").replace("\\", "")
        filled.append(path)
    return sorted(set(filled))


def test_a_password_only_session_reaches_no_admin_url(client, staff_with_device):
    user, _ = staff_with_device
    client.force_login(user)  # the password step, and nothing more
    paths = _admin_paths()
    assert len(paths) > 20
    for path in paths:
        response = client.get(path)
        if path in (LOGIN,):
            assert b'name="otp_token"' in response.content
            continue
        assert response.status_code in (302, 404, 405), (path, response.status_code)
        if response.status_code == 302:
            # The admin sends an unverified logout to its index, which asks for the login.
            target = response["Location"]
            assert target.startswith(LOGIN) or target == "/admin/", (path, target)


def test_the_real_login_form_with_password_and_code_opens_the_admin(client, staff_with_device):
    user, device = staff_with_device
    client.get(LOGIN)
    cookie = client.cookies.get(settings.SESSION_COOKIE_NAME)
    before = cookie.value if cookie else None
    response = _post_login(client, user.username, token=current_code(device))
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    # A new session on login (no fixation).
    assert client.cookies[settings.SESSION_COOKIE_NAME].value != before
    assert int(client.session[SESSION_KEY]) == user.pk


def test_the_session_key_changes_at_login(client, staff_with_device):
    user, device = staff_with_device
    session = client.session
    session["probe"] = 1
    session.save()
    old_key = session.session_key
    client.cookies[settings.SESSION_COOKIE_NAME] = old_key
    _post_login(client, user.username, token=current_code(device))
    assert client.session.session_key != old_key
    assert client.session.get("probe") == 1  # cycled, not lost


@pytest.mark.parametrize("case", ["wrong_password", "wrong_code", "no_code", "no_device"])
def test_every_failure_gives_the_same_answer(client, staff_with_device, case):
    user, device = staff_with_device
    if case == "no_device":
        TOTPDevice.objects.filter(user=user).delete()
    token = {"wrong_code": "000000", "no_code": ""}.get(case, current_code(device))
    if token == current_code(device) and case == "wrong_code":
        token = "111111"
    password = "not-the-password" if case == "wrong_password" else PASSWORD
    response = _post_login(client, user.username, password=password, token=token)
    assert response.status_code == 200
    errors = response.context["form"].non_field_errors()
    assert list(errors) == [str(response.context["form"].error_messages["invalid_login"])]
    assert "_auth_user_id" not in client.session


def test_a_wrong_code_counts_towards_the_lockout(client, staff_with_device):
    user, _ = staff_with_device
    _post_login(client, user.username, token="123456")
    attempt = AccessAttempt.objects.get(username=user.username)
    assert attempt.failures_since_start >= 1


def test_a_username_is_locked_after_the_limit_whatever_the_address(client, staff_with_device):
    user, device = staff_with_device
    limit = settings.AXES_FAILURE_LIMIT
    for i in range(limit):
        _post_login(client, user.username, password="wrong", REMOTE_ADDR=f"203.0.113.{i + 1}")
    response = _post_login(
        client, user.username, token=current_code(device), REMOTE_ADDR="198.51.100.7"
    )
    assert response.status_code == 429
    assert "Retry-After" in response
    assert "_auth_user_id" not in client.session


def test_an_address_is_locked_after_the_limit_whatever_the_username(client, staff_with_device):
    user, device = staff_with_device
    for i in range(settings.AXES_FAILURE_LIMIT):
        _post_login(client, f"nobody{i}", password="wrong", REMOTE_ADDR="203.0.113.9")
    response = _post_login(
        client, user.username, token=current_code(device), REMOTE_ADDR="203.0.113.9"
    )
    assert response.status_code == 429


def test_the_lockout_ends_after_the_cool_off(client, staff_with_device):
    user, device = staff_with_device
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            _post_login(client, user.username, password="wrong")
        assert _post_login(client, user.username, token=current_code(device)).status_code == 429
    later = start + settings.AXES_COOLOFF_TIME + dt.timedelta(minutes=1)
    with time_machine.travel(later, tick=False):
        response = _post_login(client, user.username, token=current_code(device))
    assert response.status_code == 302


def test_the_lockout_is_configured_explicitly():
    assert settings.AXES_LOCKOUT_PARAMETERS == ["username", "ip_address"]
    assert dt.timedelta(0) < settings.AXES_COOLOFF_TIME <= dt.timedelta(hours=1)
    assert 3 <= settings.AXES_FAILURE_LIMIT <= 20
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"


def test_a_non_staff_user_with_a_device_cannot_log_in(client):
    user = UserFactory(is_staff=False)
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    response = _post_login(client, user.username, token=current_code(device))
    assert response.status_code == 200
    assert client.get(reverse("admin:index")).status_code == 302


CSRF_VALUE = re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]+"')
NONCE = re.compile(rb'nonce="[^"]+"')


def _normalised(response) -> tuple:
    """Status, headers and body of a login answer, without what differs on every request."""
    body = NONCE.sub(b'nonce="N"', CSRF_VALUE.sub(rb'\1T"', response.content))
    headers = sorted(
        (name, value)
        for name, value in response.headers.items()
        if name not in {"Content-Security-Policy", "Content-Length", "Expires"}
    )
    cookies = sorted(
        (name, morsel["max-age"], morsel["path"]) for name, morsel in response.cookies.items()
    )
    return response.status_code, headers, cookies, body


@pytest.mark.parametrize("code", ["", "000000"])
def test_the_login_page_is_the_same_whether_the_password_was_right_or_not(
    client, staff_with_device, code
):
    """The answer to a right password with a wrong or missing code, byte for byte, is the
    answer to a wrong password: django-otp's form would otherwise fill the password field
    in again (render_value) once the password checks out."""
    user, device = staff_with_device
    if code == current_code(device):
        code = "111111"
    right = _post_login(Client(), user.username, password=PASSWORD, token=code)
    wrong = _post_login(Client(), user.username, password="not-the-password", token=code)
    assert right.status_code == wrong.status_code == 200
    assert PASSWORD.encode() not in right.content
    assert b'type="password"' in right.content
    assert not re.search(rb'<input type="password"[^>]*value=', right.content)
    assert _normalised(right) == _normalised(wrong)
