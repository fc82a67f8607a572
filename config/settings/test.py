"""Settings for the test suite.

PostgreSQL is used when it answers (DATABASE_URL, or the local default); otherwise SQLite,
and the tests marked `postgres` are skipped with the reason printed.
"""

import hashlib
import re

import psycopg

from .base import *  # noqa: F403

SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105
ALLOWED_HOSTS = ["*"]
DEBUG = False

PG_URL = env.str("TEST_DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/postgres")


def _postgres_answers(url: str) -> bool:
    try:
        with psycopg.connect(_dsn(url), connect_timeout=2):
            return True
    except psycopg.Error:
        return False


def _dsn(url: str) -> str:
    cfg = env.db_url_config(url)
    parts = {
        "host": cfg.get("HOST") or "127.0.0.1",
        "port": cfg.get("PORT") or 5432,
        "user": cfg.get("USER") or "postgres",
        "dbname": cfg.get("NAME") or "postgres",
    }
    if cfg.get("PASSWORD"):
        parts["password"] = cfg["PASSWORD"]
    return " ".join(f"{k}={v}" for k, v in parts.items())


POSTGRES_AVAILABLE = env.bool("TEST_FORCE_SQLITE", default=False) is False and _postgres_answers(
    PG_URL
)

# Several checkouts on one machine must not share a test database.
_checkout = hashlib.sha256(str(BASE_DIR).encode()).hexdigest()[:8]

if POSTGRES_AVAILABLE:
    DATABASES = {"default": env.db_url_config(PG_URL)}
    DATABASES["default"]["TEST"] = {"NAME": f"test_hwbook_{_checkout}"}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "test.sqlite3"),
            "TEST": {"NAME": str(VAR_DIR / f"test_{_checkout}.sqlite3")},
        }
    }

# Each checkout gets its own Redis database, so that tests that flush it disturb no other run.
_numbered = re.search(r"(\d+)$", BASE_DIR.name)
_redis_db = int(_numbered.group(1)) % 16 if _numbered else int(_checkout, 16) % 15 + 1
REDIS_TEST_URL = env.str("TEST_REDIS_URL", default=f"redis://127.0.0.1:6379/{_redis_db}")

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
# The webhook tests post what Postmark posts (the mail itself goes to the locmem backend).
EMAIL_PROVIDER = "postmark"
ANYMAIL = {"WEBHOOK_SECRET": "hook:test-webhook-secret"}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BROKER_URL = "memory://"
CELERY_BROKER_TRANSPORT_OPTIONS = {}
SITE_URL = "http://testserver"
LANGUAGE_CODE = "ja"

# The error pages' snapshot of office phone numbers is taken only by the tests that ask for it.
OFFICE_CONTACTS_REFRESH_SECONDS = None
OFFICE_CONTACTS_SNAPSHOT = None
