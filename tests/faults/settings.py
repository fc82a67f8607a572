"""Settings of the portal the fault tests run: production's, from the environment the harness
sets (tests/faults/stack.py), with two differences.

- Email goes to anymail's test backend, which records each hand-over to the "provider" in
  HW_MAIL_LOG (tests/notifications/mail_backend.py), unless FAULTS_MAIL=provider keeps the
  provider that EMAIL_PROVIDER chose (a scenario with a real SMTP server of its own).
- Logs go to stderr at INFO, which the harness keeps per process.
- HW_CLOCK_SHIFT (seconds) moves this process's clock, ticking (time-machine), before Celery
  forks its pool: a host whose clock is wrong while PostgreSQL's is right.

HTTPS, the `__Host-` cookies, HSTS and the CSRF origin check stay on: the harness's client
sends `X-Forwarded-Proto: https` as the TLS proxy in front of gunicorn would.
"""

import datetime as dt
import os

from config.settings.production import *  # noqa: F403

if os.environ.get("FAULTS_MAIL", "log") == "log":
    MAILERS = {"default": {"BACKEND": "tests.notifications.mail_backend.EmailBackend"}}

if os.environ.get("HW_CLOCK_SHIFT"):
    import time_machine

    _shift = dt.timedelta(seconds=float(os.environ["HW_CLOCK_SHIFT"]))
    time_machine.travel(dt.datetime.now(dt.UTC) + _shift, tick=True).start()
