"""Production settings: HTTPS-only cookies and headers, Redis cache, `check --deploy` clean."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from tests.config.test_production_settings import COMPLETE

ROOT = Path(__file__).resolve().parents[2]
# What production requires (kept in one place: the production-settings test), a real-looking key.
ENV = {
    **COMPLETE,
    "SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
}

PROBE = """
import json, django
from django.conf import settings as s
django.setup()
print(json.dumps({
    "cookies": [s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME, s.LANGUAGE_COOKIE_NAME],
    "secure": [s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.LANGUAGE_COOKIE_SECURE],
    "httponly": [s.SESSION_COOKIE_HTTPONLY, s.CSRF_COOKIE_HTTPONLY, s.LANGUAGE_COOKIE_HTTPONLY],
    "samesite": [s.SESSION_COOKIE_SAMESITE, s.CSRF_COOKIE_SAMESITE, s.LANGUAGE_COOKIE_SAMESITE],
    "hsts": [s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS],
    "cache": s.CACHES["default"]["BACKEND"],
    "debug": s.DEBUG,
    "csp": {k: v if isinstance(v, bool) else list(v) for k, v in s.SECURE_CSP.items()},
}))
"""


def _run(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(ENV)
    return subprocess.run(  # noqa: S603
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.fixture(scope="module")
def production():
    result = _run("-c", PROBE)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_cookies_are_host_only_secure_and_http_only(production):
    assert production["cookies"] == ["__Host-sessionid", "__Host-csrftoken", "__Host-language"]
    assert production["secure"] == [True, True, True]
    assert production["httponly"] == [True, True, True]
    assert production["samesite"] == ["Lax", "Lax", "Lax"]


def test_hsts_is_a_year_including_subdomains(production):
    assert production["hsts"] == [31536000, True]


def test_the_rate_limits_and_lockouts_use_redis(production):
    assert production["cache"] == "config.cache.RedisCache"  # Django's, one client per pool


def test_the_policy_has_no_unsafe_inline_and_upgrades_requests(production):
    flat = json.dumps(production["csp"])
    assert "unsafe-inline" not in flat and "unsafe-eval" not in flat
    assert production["csp"]["upgrade-insecure-requests"] is True
    assert production["debug"] is False


def test_check_deploy_is_clean_at_warning_level():
    result = _run("manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
