"""gunicorn's settings wherever the portal is served: `gunicorn -c config/gunicorn.conf.py
config.wsgi:application` (docker-compose.yml, docs/operations.md).

Workers: `WEB_CONCURRENCY` (gunicorn reads it itself) or `--workers`. The access log is off; an
operator who turns it on (`--access-logfile -`) gets request lines without link tokens, emails
or jobseeker numbers, like every other log of the portal (jobseekers/logscrub.py).
"""

import sys
from pathlib import Path

from gunicorn.glogging import Logger

# The project's packages, whichever directory gunicorn was started from.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from jobseekers.logscrub import PersonalDataFilter  # noqa: E402 (needs the path above)

bind = "0.0.0.0:8000"
# Longer than the slowest page, shorter than the proxy's patience; a stuck worker is replaced.
timeout = 30
# A TERM lets each worker finish the request it is serving for this long (a deploy, a stop).
graceful_timeout = 30
# No control socket (`gunicornc`, gunicorn 25+): the processes are managed by signals (HUP
# reloads, TERM stops, docs/operations.md), and a second way in is one more thing to secure.
control_socket_disable = True


class ScrubbingLogger(Logger):
    """gunicorn's logger, with the personal-data filter on its error and access logs.

    gunicorn writes these through its own handlers, which settings.LOGGING never sees: the
    access log line holds the path (`/signin/<token>/`, `/r/<token>/`) and the referrer. The
    filter sits on the loggers, so it holds whatever handlers gunicorn sets up or reopens.
    """

    def setup(self, cfg) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            if not any(isinstance(f, PersonalDataFilter) for f in log.filters):
                log.addFilter(PersonalDataFilter())


logger_class = ScrubbingLogger
