"""Settings shared by every environment; values come from the environment (django-environ)."""

import datetime as dt
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
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
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "security",
    "offices",
    "jobseekers",
    "bookings",
    "consent",
    "notifications",
    "portal",
    "backoffice",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Cache-Control: no-store on every response whose view did not opt out (docs/security.md).
    "security.middleware.NoStoreMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Django's, except that a session the database cannot save answers 503, and never undoes a
    # booking's confirmation (config/middleware.py).
    "config.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "security.middleware.StaffSessionMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Keeps the offices' phone numbers for the error pages, which render without the database.
    "bookings.contacts.OfficeContactsMiddleware",
    # Art 7 usage records of the public pages; also forgets the personal data of the last request.
    "jobseekers.middleware.UsageRecordMiddleware",
    # 400 for a control character (NUL…) in any path or query parameter, before any view (the
    # refused request is still a usage record, Art 7).
    "security.middleware.ControlCharactersMiddleware",
    # Last, as django-axes requires: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
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
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context.journey",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
# A persistent connection is checked before a request uses it: after a PostgreSQL restart the
# first query would otherwise fail on the dead connection (a 500 per web process).
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
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
# 2026年12月1日（火）10:00 wherever Django formats a date (the admin's lists and read-only fields),
# as core.calendar writes it on the jobseekers' pages.
FORMAT_MODULE_PATH = ["config.formats"]

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Where `collectstatic` writes (the image bakes it in at build time, config/Dockerfile); an
# empty value is the default, never the current directory.
STATIC_ROOT = Path(env.str("STATIC_ROOT", default="") or BASE_DIR / "staticfiles")

# Bodies larger than this are refused before a view sees them.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2 * 1024 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200

# Redis: broker, cache and rate limits in production. Without it, embedded defaults.
REDIS_URL = env.str("REDIS_URL", default="")

# Seconds a Redis connection attempt and a cache command may take: Redis answers in well under
# a millisecond, and a cache that does not answer is treated as a miss (config/cache.py).
REDIS_CACHE_TIMEOUT = env.float("REDIS_CACHE_TIMEOUT", default=1.0)

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "config.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "socket_connect_timeout": REDIS_CACHE_TIMEOUT,
                "socket_timeout": REDIS_CACHE_TIMEOUT,
            },
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
    # A broker host that drops packets must not hold a booking for the OS's connect timeout;
    # a send the broker does not take is left to the outbox sweep (notifications/queue.py).
    {"visibility_timeout": 3600, "socket_connect_timeout": 2}
    if REDIS_URL
    else {
        "data_folder_in": str(VAR_DIR / "celery" / "queue"),
        "data_folder_out": str(VAR_DIR / "celery" / "queue"),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
)
# One quick retry of a publish (a connection Redis closed), not Celery's three: a send the
# broker refuses is re-sent by the outbox sweep, and a booking must not wait for it.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
# Survives a broker lost while a send is running (Celery 5.7.0 exits there; config/celery.py).
CELERY_WORKER_CONSUMER = "config.celery:Consumer"
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TIMEZONE = "Asia/Tokyo"
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery's Django fixup closes every database connection before and after each task unless
# this is set (then only every N tasks): a new PostgreSQL connection per invitation cost more
# than rendering it. config/celery.py closes a connection that broke or outlived CONN_MAX_AGE.
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=1000)
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BEAT_SCHEDULE: dict = {
    # Art 6(5): a no-show 10 minutes after the start; a sweep every minute (not one ETA task per
    # reservation) records it within 70 s of the deadline and survives restarts.
    "noshow-sweep": {"task": "bookings.noshow_sweep", "schedule": 60.0},
    # The outbox guarantees delivery; the queue is only the fast path (see docs/notifications.md).
    "notifications-sweep": {"task": "notifications.sweep", "schedule": 60.0},
    "notifications-reminders": {"task": "notifications.reminder_sweep", "schedule": 60.0},
    # Issue 20: meetings at the video services whose step is due (a retry after an outage, a
    # task the broker lost).
    "meetings-sweep": {"task": "notifications.meeting_sweep", "schedule": 60.0},
    # Art 14: resume the notice batches of a published terms version a lost worker left behind.
    "terms-notices-resume": {"task": "consent.terms_notices_resume", "schedule": 600.0},
    # Art 7: usage records older than USAGE_RECORD_RETENTION_DAYS are deleted.
    "usage-records-purge": {"task": "jobseekers.usage_records_purge", "schedule": 3600.0},
    # Art 9: registration requests, sign-in links and their emails after their retention.
    "identification-purge": {"task": "jobseekers.identification_purge", "schedule": 3600.0},
    # Art 9: jobseekers inactive for JOBSEEKER_INACTIVE_YEARS are anonymised.
    "jobseekers-anonymise": {"task": "jobseekers.anonymise_inactive", "schedule": 86400.0},
    # Keeps counselors' slots generated up to each office's booking horizon (idempotent).
    "slots-fill-horizon": {"task": "bookings.slots_fill_horizon", "schedule": 3600.0},
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
# The provider that sends the email (production.py chooses its backend); only its tracking
# webhook is mounted. None here: `make run` writes email to files.
EMAIL_PROVIDER = ""
# The email header through which the provider takes an idempotency key (docs/notifications.md);
# empty for a provider that has none. Production sets it from EMAIL_PROVIDER.
EMAIL_IDEMPOTENCY_HEADER = ""
# The tracking webhook (/anymail/<provider>/tracking/) takes HTTP basic auth "user:password".
ANYMAIL = {"WEBHOOK_SECRET": env.str("ANYMAIL_WEBHOOK_SECRET", default="")}

# The public base URL used in emails (links to the reservation page).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

LOGIN_URL = "admin:login"

# The 503 page ("we are restarting") asks to come back after this many seconds (Retry-After).
SERVICE_UNAVAILABLE_RETRY_AFTER = env.int("SERVICE_UNAVAILABLE_RETRY_AFTER", default=30)
# The error pages' phone numbers: a snapshot of the offices each web process keeps in memory and
# in this file, refreshed from the database every so many seconds (bookings/contacts.py).
OFFICE_CONTACTS_SNAPSHOT = env.str("OFFICE_CONTACTS_SNAPSHOT", default="") or str(
    VAR_DIR / "office-contacts.json"
)
OFFICE_CONTACTS_REFRESH_SECONDS: int | None = 300

# The accessibility page (/accessibility/) shows the latest result of the browser tests, as
# `make a11y-report` wrote it (tests/browser/a11y_report.py).
ACCESSIBILITY_REPORT = BASE_DIR / "docs" / "accessibility" / "results.json"

# Art 7: how long usage records of the public pages are kept (days); Art 9: after how many years
# without activity a jobseeker's name, number and email are erased.
USAGE_RECORD_RETENTION_DAYS = env.int("USAGE_RECORD_RETENTION_DAYS", default=365)
JOBSEEKER_INACTIVE_YEARS = env.int("JOBSEEKER_INACTIVE_YEARS", default=3)
# Art 9: online registration requests are deleted this many days after they were last received
# (still pending) or decided; sign-in links and their emails this many days after they expired.
REGISTRATION_REQUEST_RETENTION_DAYS = env.int("REGISTRATION_REQUEST_RETENTION_DAYS", default=30)
SIGN_IN_RETENTION_DAYS = env.int("SIGN_IN_RETENTION_DAYS", default=7)
# Art 7(2): a usage figure below this count is shown as "< N" (it could point at one device).
USAGE_FIGURES_MIN_COUNT = env.int("USAGE_FIGURES_MIN_COUNT", default=3)
# Requests under these prefixes are not public pages and are not usage records.
USAGE_RECORD_EXCLUDE_PREFIXES = ["/admin/", "/static/", "/media/", "/favicon.ico"]
# A counselor may start a consultation this many minutes before it begins at the earliest, and
# only on its own day (Asia/Tokyo): a started reservation is no longer a no-show nor cancellable
# by phone, and a follow-up can be booked from it (docs/staff-guide.md, "Running a session").
SESSION_START_LEAD_MINUTES = env.int("SESSION_START_LEAD_MINUTES", default=15)
if not 0 <= SESSION_START_LEAD_MINUTES <= 120:
    raise ImproperlyConfigured("SESSION_START_LEAD_MINUTES must be between 0 and 120.")
for _name in (
    "USAGE_RECORD_RETENTION_DAYS",
    "JOBSEEKER_INACTIVE_YEARS",
    "REGISTRATION_REQUEST_RETENTION_DAYS",
    "SIGN_IN_RETENTION_DAYS",
):
    if globals()[_name] < 1:
        raise ImproperlyConfigured(f"{_name} must be at least 1.")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Art 9: no 求職番号, email or jobseeker name reaches any log line (jobseekers/logscrub.py).
    "filters": {"personal_data": {"()": "jobseekers.logscrub.PersonalDataFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "request_line": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["personal_data"],
        },
        # runserver's request lines (`make run`): they carry every sign-in and reservation link.
        "request_lines": {
            "class": "logging.StreamHandler",
            "formatter": "request_line",
            "filters": ["personal_data"],
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's default configuration gives these loggers handlers of their own, without the
        # filter (under DEBUG `django` printed "Not Found: /r/<token>/" raw); here they write
        # only through the filtered handlers above.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": ["request_lines"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
        # django-axes: lockouts only (its lines name the address, never the username).
        "axes": {"level": "WARNING"},
        # httpx logs every request's URL at INFO: the video services' URLs name the counselor's
        # account and the bureau's Zoom account id (meetings/http.py logs what a failure needs).
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
    },
}

# Rate limits of the public journey: (attempts, window in seconds), per client (an IPv4 address
# or an IPv6 /64) or per recipient address. Counted in the cache above (Redis in production,
# shared by every web process). Nothing is limited per 求職番号: a count anyone can use up by
# typing a stranger's number would lock its owner out (docs/security.md).
RATE_LIMITS = {
    "identify_ip": (
        env.int("RATE_LIMIT_IDENTIFY_PER_IP", default=20),
        env.int("RATE_LIMIT_WINDOW", default=3600),
    ),
    "identify_recipient": (
        env.int("RATE_LIMIT_IDENTIFY_PER_RECIPIENT", default=5),
        env.int("RATE_LIMIT_WINDOW", default=3600),
    ),
    "link_ip": (
        env.int("RATE_LIMIT_LINK_PER_IP", default=30),
        env.int("RATE_LIMIT_WINDOW", default=3600),
    ),
}

# --- Security (issue 8; docs/security.md says which threat each setting answers) ---

# Where to report a vulnerability (/.well-known/security.txt, RFC 9116): mailto: or https:
# URIs, comma-separated. Unset: no security.txt.
SECURITY_CONTACT = env.list("SECURITY_CONTACT", default=[])

# Reverse proxies in front of the portal that append to X-Forwarded-For (0: none). The
# lockout, the rate limits and the access log read the client address through this alone.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Login: django-axes checks every attempt before the password; then django-otp's TOTP.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = True
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
# Locked by username (a guessed account, from any number of addresses) and by address (one
# machine spraying many usernames), each on its own count.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
# Each failure expires on its own after the cool-off, instead of adding up for ever.
AXES_USE_ATTEMPT_EXPIRATION = True
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "core.client_ip.client_ip"
AXES_LOCKOUT_CALLABLE = "security.views.lockout"
AXES_CLIENT_STR_CALLABLE = "core.client_ip.axes_client_str"
AXES_SENSITIVE_PARAMETERS = ["password", "otp_token"]
AXES_VERBOSE = False

OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Hello Work online consultation")
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# Exponential back-off after wrong codes, per device (seconds for the first failure).
OTP_TOTP_THROTTLE_FACTOR = 1

# Staff sessions: re-authentication after 30 minutes idle or 12 hours in all (ASVS 3.3.2).
STAFF_SESSION_IDLE_TIMEOUT = dt.timedelta(minutes=env.int("STAFF_SESSION_IDLE_MINUTES", default=30))
STAFF_SESSION_ABSOLUTE_TIMEOUT = dt.timedelta(
    hours=env.int("STAFF_SESSION_ABSOLUTE_HOURS", default=12)
)
# Jobseekers' journeys: an hour without activity (portal.views), and at most this long after
# the sign-in link was used, however active (ASVS 3.3.2; a shared PC in a library or office).
JOBSEEKER_SESSION_ABSOLUTE_TIMEOUT = dt.timedelta(
    hours=env.int("JOBSEEKER_SESSION_ABSOLUTE_HOURS", default=8)
)
# Sessions live in PostgreSQL only. A cached copy (`cached_db`) cannot be kept true while Redis
# is away: a sign-out or a staff logout during an outage deletes the row but not the copy, and
# a Redis that comes back with its data (appendonly, or a network partition) would serve the
# signed-out session again. One indexed read per request is the price (docs/benchmarks.md).
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# Content Security Policy (Django's own): nothing inline runs without the request's nonce.
SECURE_CSP = {
    "default-src": [CSP.NONE],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "manifest-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
