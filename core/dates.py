"""What a person may type as a date or a time: a sensible range around today.

A date typed by hand centuries away is a typing mistake, and stored it breaks what reads it
later: `0001-01-01 00:00` in Tokyo is a BC timestamp in UTC that psycopg cannot load, and
`9999-12-31` has no next day. So every date a person types is checked against the same range:
by the form that shows the message (`SensibleDateField`, `CallTimeField`, `SensibleDatesForm`;
every admin form through `backoffice.dates`), again by the service that stores it
(`date_check`, `call_time_check`), and by the URL converter of dates in paths (a 404).
"""

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

from core.calendar import TOKYO, format_jp_date, tokyo_date
from core.errors import CallTimeInvalid, DateOutOfRange

# A date typed by staff or a jobseeker lies within these many years of today (Asia/Tokyo).
# Back: a weekly pattern or a terms version entered as history may have started years ago,
# and staff look up past weeks. Ahead: closed days, patterns and registrations are planned
# months ahead, never decades.
TYPED_DATE_YEARS_BACK = 10
TYPED_DATE_YEARS_AHEAD = 5
# A phoned-in cancellation or late notice is recorded soon after the call: within a week
# (a call taken before a long weekend or the New Year closure), never ahead of now but for
# a minute or two between two clocks.
CALL_MAX_AGE = dt.timedelta(days=7)
CALL_SLACK = dt.timedelta(minutes=5)


def _years_from(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def date_range(*, now: dt.datetime | None = None) -> tuple[dt.date, dt.date]:
    """The first and last date (inclusive) a person may type at `now` (default: the clock)."""
    today = tokyo_date(now or timezone.now())
    return _years_from(today, -TYPED_DATE_YEARS_BACK), _years_from(today, TYPED_DATE_YEARS_AHEAD)


def date_is_sensible(value: dt.date | dt.datetime, *, now: dt.datetime | None = None) -> bool:
    try:
        day = tokyo_date(value) if isinstance(value, dt.datetime) else value
    except OverflowError:  # an instant past 9999-12-31 in Tokyo
        return False
    first, last = date_range(now=now)
    return first <= day <= last


def date_range_message(*, now: dt.datetime | None = None) -> str:
    first, last = date_range(now=now)
    return str(
        _("Enter a date between %(first)s and %(last)s.")
        % {"first": format_jp_date(first), "last": format_jp_date(last)}
    )


def date_check(value: dt.date | dt.datetime, *, now: dt.datetime | None = None) -> None:
    """The service's check: DateOutOfRange unless `value` lies within the typed-date range."""
    if not date_is_sensible(value, now=now):
        raise DateOutOfRange(date_range_message(now=now))


def call_time_check(called_at: dt.datetime, *, now: dt.datetime | None = None) -> None:
    """A phone call's time: within the last CALL_MAX_AGE and not ahead of now."""
    now = now or timezone.now()
    if called_at > now + CALL_SLACK:
        raise CallTimeInvalid(_("The call cannot be in the future."))
    if called_at < now - CALL_MAX_AGE:
        raise CallTimeInvalid(
            _("The call must have been taken within the last %(days)d days.")
            % {"days": CALL_MAX_AGE.days}
        )


@deconstructible
class SensibleDateValidator:
    """A form validator for dates and datetimes; the range is today's, at validation time."""

    code = "date_out_of_range"

    def __call__(self, value) -> None:
        if isinstance(value, dt.date) and not date_is_sensible(value):
            raise ValidationError(date_range_message(), code=self.code)

    def __eq__(self, other) -> bool:
        return isinstance(other, SensibleDateValidator)

    def __hash__(self) -> int:
        return hash(type(self))


class SensibleDateField(forms.DateField):
    """A date typed in a custom form, within the typed-date range."""

    default_validators = [SensibleDateValidator()]

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
        super().__init__(**kwargs)


class CallTimeField(forms.DateTimeField):
    """When a phone call was taken (Asia/Tokyo, as staff read the clock): `call_time_check`."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "input_formats", ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
        )
        kwargs.setdefault(
            "widget",
            forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        )
        super().__init__(**kwargs)

    def validate(self, value) -> None:
        super().validate(value)
        if value is None:
            return
        try:
            call_time_check(value)
        except CallTimeInvalid as exc:
            raise ValidationError(exc.message, code=exc.code) from None


def call_time_default() -> str:
    """The value a call-time input starts with: now, to the minute, in Tokyo."""
    return timezone.now().astimezone(TOKYO).strftime("%Y-%m-%dT%H:%M")


DATE_FORM_FIELDS = (forms.DateField, forms.DateTimeField, forms.SplitDateTimeField)


class SensibleDatesForm:
    """Form mixin: every date or datetime field whose value the user changed lies within the
    typed-date range. Only what changed: a weekly pattern that started eleven years ago can
    still be edited without typing its start again."""

    def clean(self):
        cleaned = super().clean()
        for name in self.changed_data:
            value = cleaned.get(name)
            if (
                isinstance(self.fields[name], DATE_FORM_FIELDS)
                and isinstance(value, dt.date)
                and not date_is_sensible(value)
            ):
                self.add_error(
                    name, ValidationError(date_range_message(), code=SensibleDateValidator.code)
                )
        return cleaned


def sensible_dates_form(form_class: type) -> type:
    if issubclass(form_class, SensibleDatesForm):
        return form_class
    return type(form_class.__name__, (SensibleDatesForm, form_class), {})


class IsoDateConverter:
    """`<isodate:name>` in a URL: YYYY-MM-DD, a real day within the typed-date range; any
    other text (2026-02-30, 9999-12-31, 0001-01-01) does not match, so the answer is a 404."""

    regex = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"

    def to_python(self, value: str) -> dt.date:
        day = dt.date.fromisoformat(value)  # ValueError: not this URL
        if not date_is_sensible(day):
            raise ValueError(value)
        return day

    def to_url(self, value: dt.date | str) -> str:
        return value if isinstance(value, str) else value.isoformat()
