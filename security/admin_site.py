from django.contrib.admin.forms import AdminAuthenticationForm
from django_otp.admin import OTPAdminSite

from .forms import StaffLoginForm


class StaffAdminSite(OTPAdminSite):
    """The admin for staff: a password and a verified TOTP device, for every page."""

    login_form: type[AdminAuthenticationForm] = StaffLoginForm
    login_template = "security/login.html"
