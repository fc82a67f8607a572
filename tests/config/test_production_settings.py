"""Production settings refuse to start without what they need, naming the missing variable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
COMPLETE = {
    "SECRET_KEY": "x" * 60,
    "ALLOWED_HOSTS": "booking.example.jp",
    "DATABASE_URL": "postgres://u:p@db:5432/hw",
    "REDIS_URL": "redis://redis:6379/0",
    "EMAIL_PROVIDER": "postmark",
    "POSTMARK_SERVER_TOKEN": "postmark-token",
}


def _load(env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in COMPLETE}
    clean.update(env, DJANGO_SETTINGS_MODULE="config.settings.production")
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("missing", sorted(COMPLETE))
def test_a_missing_variable_fails_with_its_name(missing):
    env = {k: v for k, v in COMPLETE.items() if k != missing}
    result = _load(env)
    assert result.returncode != 0
    assert f"{missing} is required" in result.stderr


def test_complete_settings_load():
    result = _load(COMPLETE)
    assert result.returncode == 0, result.stderr


def test_an_unknown_email_provider_is_refused():
    result = _load({**COMPLETE, "EMAIL_PROVIDER": "carrier-pigeon"})
    assert result.returncode != 0
    assert "EMAIL_PROVIDER" in result.stderr
