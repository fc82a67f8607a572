"""Settings shared by every environment; values come from the environment (django-environ)."""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "anymail",
    "jobseekers",
    "bookings",
    "consent",
    "notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# People read Asia/Tokyo; the database holds UTC.
USE_TZ = True
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"

# Bodies larger than this are refused before a view sees them.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2 * 1024 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200

# Redis: broker, cache and rate limits in production. Without it, embedded defaults.
REDIS_URL = env.str("REDIS_URL", default="")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# Celery: Redis when REDIS_URL is set, otherwise the filesystem transport (no server needed).
CELERY_BROKER_URL = REDIS_URL or "filesystem://"
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {"visibility_timeout": 3600}
    if REDIS_URL
    else {
        "data_folder_in": str(VAR_DIR / "celery" / "queue"),
        "data_folder_out": str(VAR_DIR / "celery" / "queue"),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "store_processed": False,
    }
)
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TIMEZONE = "Asia/Tokyo"
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BEAT_SCHEDULE: dict = {
    # Art 6(5): a no-show 10 minutes after the start; a sweep every minute (not one ETA task per
    # reservation) records it within 70 s of the deadline and survives restarts.
    "noshow-sweep": {"task": "bookings.noshow_sweep", "schedule": 60.0},
    # The outbox guarantees delivery; the queue is only the fast path (see docs/notifications.md).
    "notifications-sweep": {"task": "notifications.sweep", "schedule": 60.0},
    "notifications-reminders": {"task": "notifications.reminder_sweep", "schedule": 60.0},
}
# Outbox timings (seconds): a queued row the queue lost is re-sent after the grace; a row left
# in "sending" longer than the lease is assumed lost with its worker (docs/notifications.md).
NOTIFICATION_SEND_GRACE = env.float("NOTIFICATION_SEND_GRACE", default=60.0)
NOTIFICATION_SENDING_LEASE = env.float("NOTIFICATION_SENDING_LEASE", default=300.0)
NOTIFICATION_RETRY_BASE = env.float("NOTIFICATION_RETRY_BASE", default=2.0)
NOTIFICATION_MAX_ATTEMPTS = env.int("NOTIFICATION_MAX_ATTEMPTS", default=15)

# Email: the provider is chosen by settings (see production.py); locally, a readable outbox.
EMAIL_OUTBOX_DIR = VAR_DIR / "outbox"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="no-reply@hellowork.example.jp")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The tracking webhook (/anymail/<provider>/tracking/) takes HTTP basic auth "user:password".
ANYMAIL = {"WEBHOOK_SECRET": env.str("ANYMAIL_WEBHOOK_SECRET", default="")}

# The public base URL used in emails (links to the reservation page).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

LOGIN_URL = "admin:login"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Rate limits of the public journey: (attempts, window in seconds), per client IP or per
# 求職番号. Counted in the cache above (Redis in production, shared by every web process).
RATE_LIMITS = {
    "identify_ip": (
        env.int("RATE_LIMIT_IDENTIFY_PER_IP", default=20),
        env.int("RATE_LIMIT_WINDOW", default=3600),
    ),
    "identify_number": (
        env.int("RATE_LIMIT_IDENTIFY_PER_NUMBER", default=5),
        env.int("RATE_LIMIT_WINDOW", default=3600),
    ),
    "link_ip": (
        env.int("RATE_LIMIT_LINK_PER_IP", default=30),
        env.int("RATE_LIMIT_WINDOW", default=3600),
    ),
}
# Behind a reverse proxy: the META key that carries the client address (e.g.
# HTTP_X_FORWARDED_FOR; its last entry is used). Empty: REMOTE_ADDR.
CLIENT_IP_HEADER = env.str("CLIENT_IP_HEADER", default="")
