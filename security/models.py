from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.calendar import format_jp_datetime


class SessionCutoff(models.Model):
    """Sessions of this user that began before `not_before` are ended at their next request.

    A timestamp instead of a list of sessions: it works whatever stores the sessions, and a
    session that was never recorded cannot slip through.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="session_cutoff",
        verbose_name=_("user"),
    )
    not_before = models.DateTimeField(_("sessions started before this are ended"))
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ended by"),
    )

    class Meta:
        verbose_name = _("session cut-off")
        verbose_name_plural = _("session cut-offs")

    def __str__(self) -> str:
        return f"{self.user} < {format_jp_datetime(self.not_before)}"
