"""Production settings: every required variable must be set, or start-up fails naming it."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403

REQUIRED = ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL", "EMAIL_PROVIDER"]


def _require(name: str) -> str:
    value = env.str(name, default="").strip()
    if not value:
        raise ImproperlyConfigured(
            f"The environment variable {name} is required in production and is not set."
        )
    return value


for _name in REQUIRED:
    _require(_name)

DEBUG = False
SECRET_KEY = env.str("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
# A persistent connection is checked before a request uses it (a PostgreSQL restart closed it).
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# Email through django-anymail; the provider is chosen here, its credentials by its variables.
EMAIL_PROVIDER = env.str("EMAIL_PROVIDER").lower()
_PROVIDERS = {
    "amazon_ses": "anymail.backends.amazon_ses.EmailBackend",
    "postmark": "anymail.backends.postmark.EmailBackend",
    "sendgrid": "anymail.backends.sendgrid.EmailBackend",
    "mailgun": "anymail.backends.mailgun.EmailBackend",
    "brevo": "anymail.backends.brevo.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
}
if EMAIL_PROVIDER not in _PROVIDERS:
    raise ImproperlyConfigured(
        f"EMAIL_PROVIDER={EMAIL_PROVIDER!r} is not one of: {', '.join(sorted(_PROVIDERS))}."
    )
MAILERS = {"default": {"BACKEND": _PROVIDERS[EMAIL_PROVIDER]}}
# Of these providers only Brevo de-duplicates a send by a key (its `headers.idempotencyKey`,
# kept 30 minutes); docs/notifications.md says what each of the others offers instead.
EMAIL_IDEMPOTENCY_HEADER = {"brevo": "idempotencyKey"}.get(EMAIL_PROVIDER, "")
# Each provider's credentials are required when it is chosen (Amazon SES has none of its own:
# boto3 reads the usual AWS variables or the instance role).
_PROVIDER_SECRETS = {
    "postmark": ["POSTMARK_SERVER_TOKEN"],
    "sendgrid": ["SENDGRID_API_KEY"],
    "mailgun": ["MAILGUN_API_KEY", "MAILGUN_SENDER_DOMAIN"],
    "brevo": ["BREVO_API_KEY"],
}
ANYMAIL = {name: _require(name) for name in _PROVIDER_SECRETS.get(EMAIL_PROVIDER, [])}
if EMAIL_PROVIDER == "amazon_ses":
    ANYMAIL["AMAZON_SES_CLIENT_PARAMS"] = {
        "region_name": env.str("AWS_SES_REGION", default="ap-northeast-1")
    }
# The tracking webhook is mounted only with a secret (HTTP basic auth "user:password").
ANYMAIL["WEBHOOK_SECRET"] = env.str("ANYMAIL_WEBHOOK_SECRET", default="")
if ANYMAIL["WEBHOOK_SECRET"] and ":" not in ANYMAIL["WEBHOOK_SECRET"]:
    raise ImproperlyConfigured("ANYMAIL_WEBHOOK_SECRET must be of the form user:password.")
if ANYMAIL["WEBHOOK_SECRET"] and EMAIL_PROVIDER == "mailgun":
    # Mailgun's webhook checks each event's signature with this key; without it every call
    # would fail.
    ANYMAIL["MAILGUN_WEBHOOK_SIGNING_KEY"] = _require("MAILGUN_WEBHOOK_SIGNING_KEY")
if EMAIL_PROVIDER == "smtp":
    MAILERS["default"]["OPTIONS"] = {
        "host": _require("EMAIL_HOST"),
        "port": env.int("EMAIL_PORT", default=587),
        "username": env.str("EMAIL_HOST_USER", default=""),
        "password": env.str("EMAIL_HOST_PASSWORD", default=""),
        "use_tls": env.bool("EMAIL_USE_TLS", default=True),
        "timeout": env.int("EMAIL_TIMEOUT", default=30),
    }

# Static files: WhiteNoise serves the output of `collectstatic` from each web process, so a
# deployment needs no shared volume or second server for them. Names carry a hash of the
# content (css/site.3f2a….css) and are served with a ten-year `immutable` cache header and
# gzip / Brotli copies made at build time; a new release has new names, never a stale file.
# Right after SecurityMiddleware (HSTS, nosniff still apply), before anything that reads a
# session or the database.
_after_security = MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1
MIDDLEWARE = [
    *MIDDLEWARE[:_after_security],
    "whitenoise.middleware.WhiteNoiseMiddleware",
    *MIDDLEWARE[_after_security:],
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)

# HTTPS only, for a year, on every subdomain too (ASVS 9.1.1, 14.4.5).
SECURE_HSTS_SECONDS = 365 * 24 * 60 * 60
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CSP = {**SECURE_CSP, "upgrade-insecure-requests": True}

# __Host- cookies: Secure, Path=/ and no Domain, so no subdomain can set or shadow them.
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_NAME = "__Host-csrftoken"
LANGUAGE_COOKIE_SECURE = True
LANGUAGE_COOKIE_NAME = "__Host-language"
