from django import forms
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_otp.admin import OTPAdminAuthenticationForm
from django_otp.plugins.otp_totp.models import TOTPDevice


class StaffLoginForm(OTPAdminAuthenticationForm):
    """Username, password and the authenticator's code, checked together.

    Whatever was wrong (password, code, no authenticator, a throttled device), the answer is
    the same, so the form does not tell an attacker that a password was right (ASVS 2.2,
    3.2). A wrong code counts as a failed login for the lockout, like a wrong password.
    """

    otp_device = forms.CharField(required=False, widget=forms.HiddenInput)
    otp_token = forms.CharField(
        label=_("Authenticator code"),
        required=False,
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    error_messages = {
        **OTPAdminAuthenticationForm.error_messages,
        "invalid_login": _(
            "Please enter the correct username, password and authenticator code of a staff "
            "account. If you have no authenticator yet, ask your administrator."
        ),
    }

    def clean(self):
        try:
            return super().clean()
        except ValidationError as error:
            if getattr(self, "user_cache", None) is not None:
                # The password was right and the second factor was not: the lockout counts it.
                user_login_failed.send(
                    sender=__name__,
                    credentials={"username": self.cleaned_data.get("username")},
                    request=self.request,
                )
            raise ValidationError(
                self.error_messages["invalid_login"], code="invalid_login"
            ) from error

    def _update_form(self, user):
        # django-otp turns on the password widget's render_value once the password checks out
        # (and lists the user's devices), so the page would differ from a wrong password's and
        # carry the password in its HTML. The page stays as it was: one answer for every
        # failure, and no password is ever written into a page.
        self.fields["password"].widget.render_value = False

    def _chosen_device(self, user):
        # One authenticator per staff account (security.services.totp_device_issue): the form
        # need not ask which.
        device = super()._chosen_device(user)
        if device is None:
            device = (
                TOTPDevice.objects.select_for_update()
                .filter(user=user, confirmed=True)
                .order_by("pk")
                .first()
            )
        return device
