"""Settings for `make run`: embedded defaults, a readable email outbox, debug on."""

from .base import *  # noqa: F403

DEBUG = env.bool("DJANGO_DEBUG", default=True)
# A development key; production.py refuses to start without a real one.
SECRET_KEY = SECRET_KEY or "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105
ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost"]

# Each email is written as a file a developer can open in var/outbox/.
MAILERS = {
    "default": {
        "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "OPTIONS": {"file_path": str(EMAIL_OUTBOX_DIR)},
    }
}
