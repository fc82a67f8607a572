"""Forms of the jobseeker's journey: they validate and normalise; the services decide."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from bookings.checklist import CHECKLIST_ITEMS, CHECKLIST_SHORT
from bookings.services.reservations import LANGUAGE_MAX_LENGTH, NOTE_MAX_LENGTH
from jobseekers.kana import normalize_kana
from jobseekers.numbers import normalize_jobseeker_number
from jobseekers.signin import office_for_number

NAME_MAX_LENGTH = 50


class JourneyForm(forms.Form):
    """Errors in the page's language; Django adds aria-invalid and aria-describedby itself."""

    def error_summary(self) -> list[tuple[str, str]]:
        """(anchor id, message) for the error summary at the top of the page."""
        items = []
        for name, errors in self.errors.items():
            if name == "__all__" or name not in self.fields:
                anchor = "main"
            else:
                bound = self[name]
                widget = bound.field.widget
                anchor = bound.auto_id
                if getattr(widget, "input_type", "") in {"radio"} or isinstance(
                    widget, forms.CheckboxSelectMultiple
                ):
                    anchor = f"{bound.auto_id}_0"
            items.extend((anchor, str(error)) for error in errors)
        return items


class JobseekerNumberField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Jobseeker number (求職番号)"))
        kwargs.setdefault(
            "error_messages",
            {
                "required": _("Enter your jobseeker number."),
                "max_length": _("The jobseeker number is too long: check it on your card."),
            },
        )
        kwargs.setdefault(
            "help_text",
            _(
                "As printed on your Hello Work card: 5 digits, a dash and up to 8 digits, "
                "e.g. 33010-12345678. Full-width digits are fine."
            ),
        )
        kwargs.setdefault("max_length", 40)
        super().__init__(**kwargs)
        self.widget.attrs.update(
            {"autocomplete": "off", "inputmode": "numeric", "spellcheck": "false"}
        )

    def clean(self, value):
        value = super().clean(value)
        return normalize_jobseeker_number(value)


def _email_field() -> forms.EmailField:
    field = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        error_messages={
            "required": _("Enter your email address."),
            "invalid": _("Enter the email address in the correct form, like name@example.jp."),
            "max_length": _("The email address must be 254 characters or fewer."),
        },
        help_text=_("We send a one-time link to this address to confirm it."),
    )
    field.widget.attrs.update({"autocomplete": "email", "spellcheck": "false"})
    return field


def _messages(required, too_long) -> dict:
    return {"required": required, "max_length": too_long}


def _name_field(label, autocomplete: str, messages: dict) -> forms.CharField:
    field = forms.CharField(label=label, max_length=NAME_MAX_LENGTH, error_messages=messages)
    field.widget.attrs["autocomplete"] = autocomplete
    return field


class KanaField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", NAME_MAX_LENGTH)
        kwargs.setdefault("help_text", _("Katakana or hiragana."))
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        return normalize_kana(value)


class FirstVisitForm(JourneyForm):
    number = JobseekerNumberField()
    family_name = _name_field(
        _("Family name (姓)"),
        "family-name",
        _messages(
            _("Enter your family name."), _("The family name must be 50 characters or fewer.")
        ),
    )
    given_name = _name_field(
        _("Given name (名)"),
        "given-name",
        _messages(_("Enter your given name."), _("The given name must be 50 characters or fewer.")),
    )
    family_name_kana = KanaField(
        label=_("Family name reading (セイ)"),
        error_messages=_messages(
            _("Enter the reading of your family name."),
            _("The reading of the family name must be 50 characters or fewer."),
        ),
    )
    given_name_kana = KanaField(
        label=_("Given name reading (メイ)"),
        error_messages=_messages(
            _("Enter the reading of your given name."),
            _("The reading of the given name must be 50 characters or fewer."),
        ),
    )
    email = _email_field()

    def clean_number(self):
        number = self.cleaned_data["number"]
        if office_for_number(number) is None:
            raise ValidationError(
                _(
                    "The first five digits of this number do not belong to an office that takes "
                    "online bookings. Please check the number on your Hello Work card."
                ),
                code="unknown_office",
            )
        return number

    def clean_family_name(self):
        return " ".join(self.cleaned_data["family_name"].split())

    def clean_given_name(self):
        return " ".join(self.cleaned_data["given_name"].split())


class ReturningForm(JourneyForm):
    number = JobseekerNumberField()
    email = _email_field()


class ConsentForm(JourneyForm):
    agree_terms = forms.BooleanField(
        label=_("I agree to the terms of use shown above."),
        error_messages={"required": _("Agree to the terms of use to continue.")},
    )
    agree_app_terms = forms.BooleanField(
        label=_("I agree to the video app's terms of use."),
        error_messages={"required": _("Agree to the video app's terms of use to continue.")},
    )

    def __init__(self, *args, app_name: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if app_name:
            self.fields["agree_app_terms"].label = _(
                "I agree to the terms of use of %(app)s, the video app."
            ) % {"app": app_name}


class ChecklistForm(JourneyForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, label in CHECKLIST_ITEMS:
            self.fields[key] = forms.BooleanField(
                label=label,
                error_messages={
                    "required": format_lazy(
                        _("Tick the box to confirm: {item}."), item=CHECKLIST_SHORT[key]
                    )
                },
            )

    def checklist(self) -> dict[str, bool]:
        return {key: bool(self.cleaned_data.get(key)) for key, _label in CHECKLIST_ITEMS}


class TimeForm(JourneyForm):
    """A free time of the chosen day; the value is a slot id, which the service checks."""

    slot = forms.IntegerField(
        label=_("Time"),
        min_value=1,
        error_messages={
            "required": _("Choose a time."),
            "invalid": _("Choose one of the times shown."),
            "min_value": _("Choose one of the times shown."),
        },
    )


class DetailsForm(JourneyForm):
    interpreter = forms.BooleanField(label=_("An interpreter will attend."), required=False)
    interpreter_language = forms.CharField(
        label=_("Language of the interpretation"),
        max_length=LANGUAGE_MAX_LENGTH,
        required=False,
        error_messages={
            "max_length": format_lazy(
                _("The language must be {count} characters or fewer."), count=LANGUAGE_MAX_LENGTH
            )
        },
        help_text=_("Only if an interpreter attends, e.g. Portuguese, Vietnamese."),
    )
    assistant_attends = forms.BooleanField(
        label=_("An assistant (介助者) will attend."), required=False
    )
    note = forms.CharField(
        label=_("Anything the counselor should know beforehand"),
        max_length=NOTE_MAX_LENGTH,
        required=False,
        error_messages={
            "max_length": format_lazy(
                _("The note must be {count} characters or fewer."), count=NOTE_MAX_LENGTH
            )
        },
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=format_lazy(_("Optional. Up to {count} characters."), count=NOTE_MAX_LENGTH),
    )

    def clean(self):
        data = super().clean()
        language = (data.get("interpreter_language") or "").strip()
        if data.get("interpreter") and not language:
            self.add_error("interpreter_language", _("Enter the language of the interpretation."))
        elif language and not data.get("interpreter") and "interpreter" not in self.errors:
            # Typed but the box left empty: never silently dropped (the check page would say
            # "none"); the jobseeker says which they meant.
            self.add_error(
                "interpreter",
                _(
                    "You entered a language of interpretation: tick this box if an interpreter "
                    "will attend, or clear the language."
                ),
            )
        return data
