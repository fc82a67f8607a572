from django.contrib.admin.forms import AdminAuthenticationForm
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django_otp.admin import OTPAdminSite

from .forms import StaffLoginForm


class StaffAdminSite(OTPAdminSite):
    """The admin for staff: a password and a verified TOTP device, for every page."""

    login_form: type[AdminAuthenticationForm] = StaffLoginForm
    login_template = "security/login.html"
    site_header = _("Hello Work online consultation: staff")
    site_title = _("Online consultation admin")
    index_title = _("Daily work and settings")


def object_not_found(self, request, opts, object_id):
    """An object outside what the staff member may see answers 404, like one that never was.

    Django's admin answers a change, history or delete URL of an object missing from the
    ModelAdmin's queryset with a redirect and "doesn't exist. Perhaps it was deleted?"; the
    portal's rule for every view is a plain 404 (another office's record, a guessed id).
    """
    raise Http404
