"""Production settings refuse to start without what they need, naming the missing variable."""

import json
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


# No AWS configuration of the machine running the tests leaks into them.
NO_AWS = {"AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull}


def _load(env: dict[str, str], code: str = "") -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in COMPLETE and not k.startswith("AWS_")}
    clean.update(NO_AWS, **env, DJANGO_SETTINGS_MODULE="config.settings.production")
    return subprocess.run(
        [sys.executable, "-"],
        input=f"import django; django.setup()\n{code}",
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


def test_persistent_connections_are_checked_before_use():
    """Issue 16: after a PostgreSQL restart, a kept connection is dead; checked, it is replaced
    instead of failing the request."""
    result = _load(
        COMPLETE,
        "from django.conf import settings; import json; "
        "print(json.dumps([settings.DATABASES['default'][k] for k in "
        "('CONN_MAX_AGE', 'CONN_HEALTH_CHECKS')]))",
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [60, True]


def test_an_unknown_email_provider_is_refused():
    result = _load({**COMPLETE, "EMAIL_PROVIDER": "carrier-pigeon"})
    assert result.returncode != 0
    assert "EMAIL_PROVIDER" in result.stderr


SES = {
    **{k: v for k, v in COMPLETE.items() if k != "POSTMARK_SERVER_TOKEN"},
    "EMAIL_PROVIDER": "amazon_ses",
}
# The mailer the portal sends through, opened as a worker opens it (boto3 makes its client).
SHOW_MAILER = """
import json
from django.core.mail import mailers
mailer = mailers.default
mailer.open()
print(json.dumps([type(mailer).__module__ + "." + type(mailer).__name__,
                  mailer.client.meta.service_model.service_name,
                  mailer.client.meta.region_name]))
"""


@pytest.mark.parametrize(
    ("region", "expected"), [(None, "ap-northeast-1"), ("ap-northeast-3", "ap-northeast-3")]
)
def test_amazon_ses_loads_with_its_region_and_no_secret_of_its_own(region, expected):
    env = SES if region is None else {**SES, "AWS_SES_REGION": region}
    result = _load(env, SHOW_MAILER)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [
        "anymail.backends.amazon_ses.EmailBackend",
        "sesv2",
        expected,
    ]


@pytest.mark.parametrize(
    ("provider", "secrets", "header"),
    [
        ("brevo", {"BREVO_API_KEY": "k"}, "idempotencyKey"),
        ("postmark", {"POSTMARK_SERVER_TOKEN": "t"}, ""),
        ("sendgrid", {"SENDGRID_API_KEY": "k"}, ""),
        ("mailgun", {"MAILGUN_API_KEY": "k", "MAILGUN_SENDER_DOMAIN": "mg.example.jp"}, ""),
        ("amazon_ses", {}, ""),
        ("smtp", {"EMAIL_HOST": "smtp.example.jp"}, ""),
    ],
)
def test_only_brevo_is_given_an_idempotency_key(provider, secrets, header):
    """docs/notifications.md: of the providers offered, only Brevo de-duplicates by a key."""
    env = {k: v for k, v in COMPLETE.items() if k != "POSTMARK_SERVER_TOKEN"}
    result = _load(
        {**env, "EMAIL_PROVIDER": provider, **secrets},
        "from django.conf import settings; print(repr(settings.EMAIL_IDEMPOTENCY_HEADER))",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == repr(header)


SHOW_WEBHOOKS = """
from django.urls import get_resolver
print(sorted(str(p.pattern) for p in get_resolver().url_patterns[-1].url_patterns)
      if str(get_resolver().url_patterns[-1].pattern) == "anymail/" else [])
"""


def test_only_the_configured_provider_s_webhook_is_served():
    result = _load({**COMPLETE, "ANYMAIL_WEBHOOK_SECRET": "hook:s3cret"}, SHOW_WEBHOOKS)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['postmark/tracking/']"
    result = _load(COMPLETE, SHOW_WEBHOOKS)
    assert result.stdout.strip() == "[]"


def test_mailgun_s_webhook_needs_its_signing_key():
    mailgun = {
        **{k: v for k, v in COMPLETE.items() if k != "POSTMARK_SERVER_TOKEN"},
        "EMAIL_PROVIDER": "mailgun",
        "MAILGUN_API_KEY": "key",
        "MAILGUN_SENDER_DOMAIN": "mg.example.jp",
        "ANYMAIL_WEBHOOK_SECRET": "hook:s3cret",
    }
    result = _load(mailgun)
    assert result.returncode != 0
    assert "MAILGUN_WEBHOOK_SIGNING_KEY is required" in result.stderr
    result = _load({**mailgun, "MAILGUN_WEBHOOK_SIGNING_KEY": "signing"}, SHOW_WEBHOOKS)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['mailgun/tracking/']"
