import os

from django.core.wsgi import get_wsgi_application

from jobseekers.logscrub import install_on_loggers

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
# gunicorn writes its error and access logs through handlers of its own, which settings.LOGGING
# never reaches, and an access-log line holds the path and the referrer: /signin/<token>/,
# /r/<token>/. Done here, in every process that serves the portal, it holds however gunicorn
# was started (with config/gunicorn.conf.py or not) and whatever log options it was given.
install_on_loggers("gunicorn.error", "gunicorn.access")
application = get_wsgi_application()
