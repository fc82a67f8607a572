"""Settings for `bench/run.py`: production-like, plus the bench-only URLs.

DEBUG off (cached templates, no query log), PostgreSQL, Redis as broker and cache, persistent
connections, as in production. The only differences: a fixed key, loopback hosts, email kept in
memory, and `ROOT_URLCONF = "bench.urls"`, which adds the trivial one-query view the public pages
are measured against. Production and the other settings never route to it.
"""

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = env.str("SECRET_KEY", default="bench-only-key-not-for-production")  # noqa: S105
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]

DATABASES = {
    "default": env.db(
        "BENCH_DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/hwbook_bench"
    )
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = 600
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # as in production

ROOT_URLCONF = "bench.urls"

BENCH_REDIS_URL = env.str("BENCH_REDIS_URL", default="redis://127.0.0.1:6379/12")
CACHES = {
    "default": {
        "BACKEND": "config.cache.RedisCache",
        "LOCATION": BENCH_REDIS_URL,
        "KEY_PREFIX": "hwbench",
    }
}
# The send tasks are queued in Redis as in production; no worker consumes them during the run
# (the bench measures the web tier), and run.py deletes the queue afterwards.
CELERY_BROKER_URL = BENCH_REDIS_URL
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_DEFAULT_QUEUE = "hwbench"
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}

LOGGING["root"]["level"] = "WARNING"  # noqa: F405
# The race answers 199 "just taken" (409) a round; Django would log each one.
LOGGING["loggers"]["django.request"] = {"level": "ERROR"}  # noqa: F405
