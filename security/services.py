"""Everything that changes security state: second-factor devices and session cut-offs."""

import datetime as dt

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.errors import DomainError

from .models import SessionCutoff


class SecurityError(DomainError):
    """A security operation that is not allowed."""

    code = "security_error"


class NotStaff(SecurityError):
    code = "not_staff"
    default_message = _("Only staff accounts use an authenticator.")


class DeviceExists(SecurityError):
    code = "device_exists"
    default_message = _("This account already has an authenticator.")


def user_sessions_end(
    *, user: AbstractBaseUser, actor: AbstractBaseUser | None, now: dt.datetime | None = None
) -> SessionCutoff:
    """End every session `user` has now; the next request of each is logged out."""
    now = now or timezone.now()
    cutoff, _ = SessionCutoff.objects.update_or_create(
        user=user, defaults={"not_before": now, "ended_by": actor}
    )
    return cutoff


def totp_device_issue(
    *,
    user: AbstractBaseUser,
    actor: AbstractBaseUser | None,
    replace: bool,
    name: str = "",
) -> TOTPDevice:
    """A new confirmed TOTP device for a staff user; with `replace`, the old ones are removed.

    Replacing also ends the user's sessions: whoever held the old key is out at once.
    """
    if not user.is_staff:
        raise NotStaff()
    with transaction.atomic():
        existing = TOTPDevice.objects.filter(user=user)
        if existing.exists():
            if not replace:
                raise DeviceExists()
            existing.delete()
            user_sessions_end(user=user, actor=actor)
        return TOTPDevice.objects.create(user=user, name=name or "authenticator", confirmed=True)
