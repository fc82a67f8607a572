"""gunicorn's settings wherever the portal is served: `gunicorn --config=config/gunicorn.conf.py
config.wsgi:application` (docker-compose.yml, docs/operations.md).

Workers: `WEB_CONCURRENCY` (gunicorn reads it itself) or `--workers`. The access log is off; an
operator who turns it on (`--access-logfile -`) gets request lines without link tokens, emails
or jobseeker numbers, like every other log of the portal (config/wsgi.py puts the filter of
jobseekers/logscrub.py on gunicorn's loggers).
"""

bind = "0.0.0.0:8000"
# Longer than the slowest page, shorter than the proxy's patience; a stuck worker is replaced.
timeout = 30
# A TERM lets each worker finish the request it is serving for this long (a deploy, a stop).
graceful_timeout = 30
# No control socket (`gunicornc`, gunicorn 25+): the processes are managed by signals (HUP
# reloads, TERM stops, docs/operations.md), and a second way in is one more thing to secure.
control_socket_disable = True
