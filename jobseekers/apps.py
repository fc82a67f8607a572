from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobseekersConfig(AppConfig):
    name = "jobseekers"
    verbose_name = _("Jobseekers")

    def ready(self) -> None:
        from celery import signals as celery_signals
        from django.db.models.signals import post_init

        from . import logscrub
        from .models import Jobseeker, RegistrationRequest, SignInToken

        # Art 9: every jobseeker loaded in a request or task is scrubbed from its log lines.
        post_init.connect(logscrub.jobseeker_registered, sender=Jobseeker, weak=False)
        # A registration request holds the same fields before there is a jobseeker.
        post_init.connect(logscrub.jobseeker_registered, sender=RegistrationRequest, weak=False)
        post_init.connect(logscrub.sign_in_token_registered, sender=SignInToken, weak=False)
        celery_signals.task_prerun.connect(logscrub.celery_task_started, weak=False)
        celery_signals.task_postrun.connect(logscrub.celery_task_finished, weak=False)
        celery_signals.after_setup_logger.connect(logscrub.celery_logger_ready, weak=False)
        celery_signals.after_setup_task_logger.connect(logscrub.celery_logger_ready, weak=False)
