from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .sessions import session_stamp_login


@receiver(user_logged_in, dispatch_uid="security.stamp_login")
def _stamp_login(sender, request, user, **kwargs) -> None:
    # django.contrib.auth.login() has already given the session a new key (no fixation);
    # the time-outs count from here.
    if request is not None and hasattr(request, "session"):
        session_stamp_login(request)
