"""Settings of the Celery worker the reliability tests start as a separate process.

The test settings, plus: the test database pytest-django created (HW_WORKER_DB), the
checkout's Redis database as broker, anymail's test backend (recording hand-overs in
HW_MAIL_LOG), and short outbox timings so that a test waits seconds, not minutes.

HW_WORKER_DB_PORT reaches PostgreSQL through a test's relay (tests/faults/services.py's
PostgresGate, which plays a restart). TEST_REDIS_URL gives another broker (a private Redis).
"""

import os

from config.settings.test import *  # noqa: F403

DATABASES["default"]["NAME"] = os.environ["HW_WORKER_DB"]  # noqa: F405
if os.environ.get("HW_WORKER_DB_PORT"):
    # Through a test's relay, which can play a restart.
    DATABASES["default"]["HOST"] = "127.0.0.1"  # noqa: F405
    DATABASES["default"]["PORT"] = os.environ["HW_WORKER_DB_PORT"]  # noqa: F405
DATABASES["default"]["CONN_MAX_AGE"] = 60  # noqa: F405
CELERY_BROKER_URL = REDIS_TEST_URL  # noqa: F405
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
MAILERS = {"default": {"BACKEND": "tests.notifications.mail_backend.EmailBackend"}}
NOTIFICATION_SEND_GRACE = float(os.environ.get("NOTIFICATION_SEND_GRACE", "1"))
NOTIFICATION_SENDING_LEASE = float(os.environ.get("NOTIFICATION_SENDING_LEASE", "3"))
NOTIFICATION_RETRY_BASE = float(os.environ.get("NOTIFICATION_RETRY_BASE", "0.2"))
