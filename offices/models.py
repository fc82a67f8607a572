"""Bureaus, offices and the staff who work for them: what every other app is scoped by.

The tables keep the names they had when these models lived in `bookings` (issue 17): the move
changed only Django's state (`offices/migrations/0001_initial.py`) and the content types.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.calendar import format_jp_date


class Bureau(models.Model):
    """A prefectural labour bureau (労働局); offices belong to one."""

    code = models.SlugField(unique=True, verbose_name=_("code"))
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)

    class Meta:
        # The table keeps the name it had in `bookings` (issue 17 moved the model).
        db_table = "bookings_bureau"
        verbose_name = _("labour bureau")
        verbose_name_plural = _("labour bureaus")

    def __str__(self) -> str:
        return self.name


class MeetingUrlMode(models.TextChoices):
    """Where a reservation's meeting comes from (docs/meetings.md): the two offline ways, or a
    meeting made at the office's video service by a Celery task after the booking."""

    COUNSELOR_ROOM = "counselor_room", _("The counselor's personal room URL")
    TEMPLATE = "template", _("A URL made per reservation from the office's template")
    ZOOM = "zoom", _("Zoom (a meeting made per reservation)")
    WEBEX = "webex", _("Webex (a meeting made per reservation)")
    TEAMS = "teams", _("Microsoft Teams (a meeting made per reservation)")


# The modes whose meetings a video service makes (their names are the providers' in meetings/).
ONLINE_MEETING_MODES = (MeetingUrlMode.ZOOM, MeetingUrlMode.WEBEX, MeetingUrlMode.TEAMS)


class RosterOtherOffice(models.TextChoices):
    """What a roster import does with a number another office registers (its first five digits
    are not this office's registration code)."""

    WARN = "warn", _("Warn, and import the row")
    REFUSE = "refuse", _("Refuse the row")


class Office(models.Model):
    """A public employment office (ハローワーク) and its policies; defaults follow the terms."""

    bureau = models.ForeignKey(
        Bureau, on_delete=models.PROTECT, related_name="offices", verbose_name=_("labour bureau")
    )
    code = models.SlugField(unique=True, verbose_name=_("code"))
    registration_code = models.CharField(
        _("registration code"),
        max_length=5,
        unique=True,
        null=True,
        blank=True,
        help_text=_("The first five digits of the jobseeker numbers this office registers."),
    )
    roster_other_office = models.CharField(
        _("numbers of another office in a roster"),
        max_length=10,
        choices=RosterOtherOffice,
        default=RosterOtherOffice.WARN,
        help_text=_(
            "A roster row whose number does not begin with the registration code above: "
            "warn and import it, or refuse it (then nothing is imported until the row is "
            "removed)."
        ),
    )
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30)
    email = models.EmailField(_("email"), blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    address_en = models.CharField(_("address (English)"), max_length=200, blank=True)
    opens_at = models.TimeField(_("opens at"), default=dt.time(8, 30))
    closes_at = models.TimeField(_("closes at"), default=dt.time(17, 15))
    # Art 4: the video app Hello Work designates; using it means agreeing to its terms too.
    video_app_name = models.CharField(_("video app"), max_length=100, default="Zoom")
    video_app_terms_url = models.URLField(_("video app terms URL"), blank=True)
    video_app_guide_url = models.URLField(_("video app set-up guide URL"), blank=True)
    # Art 6(1): a slot on day D can be booked until `cutoff_hour`:00 on day D - `cutoff_days_before`.
    # The default (1 day before, 24:00) is the end of the previous day.
    cutoff_days_before = models.PositiveSmallIntegerField(
        _("booking cut-off (days before)"), default=1
    )
    cutoff_hour = models.PositiveSmallIntegerField(
        _("booking cut-off (hour of that day)"), default=24
    )
    booking_horizon_weeks = models.PositiveSmallIntegerField(_("weeks ahead bookable"), default=4)
    max_upcoming_web_bookings = models.PositiveSmallIntegerField(
        _("upcoming web bookings a jobseeker may hold"), default=1
    )
    noshow_threshold = models.PositiveSmallIntegerField(_("no-shows before review"), default=2)
    noshow_window_days = models.PositiveSmallIntegerField(_("no-show window (days)"), default=180)
    auto_suspend_on_threshold = models.BooleanField(
        _("suspend automatically at the threshold"), default=False
    )
    online_cancellation_allowed = models.BooleanField(
        _("online cancellation allowed"),
        default=False,
        help_text=_("Off by default: the terms say cancellation is by phone (Art 6(5))."),
    )
    unverified_may_book = models.BooleanField(_("unverified jobseekers may book"), default=False)
    other_offices_slots_visible = models.BooleanField(
        _("jobseekers may book other offices' slots"), default=False
    )
    reminder_hour = models.PositiveSmallIntegerField(_("reminder hour (day before)"), default=17)
    meeting_url_mode = models.CharField(
        _("meeting URL"),
        max_length=20,
        choices=MeetingUrlMode,
        default=MeetingUrlMode.COUNSELOR_ROOM,
    )
    meeting_url_template = models.CharField(
        _("meeting URL template"),
        max_length=300,
        blank=True,
        help_text=_(
            "Used in template mode; {token} is replaced by an unguessable part. With Zoom, "
            "Webex or Teams, the fallback staff can switch a reservation to when the service fails."
        ),
    )
    # Set when the office's video service refused its credentials or setting; cleared by the
    # next meeting made, moved or removed there (notifications/services/meeting.py).
    meeting_provider_failing_since = models.DateTimeField(
        _("video service failing since"), null=True, blank=True
    )
    meeting_provider_failure = models.CharField(
        _("video service failure"), max_length=300, blank=True, default="", db_default=""
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        # The table keeps the name it had in `bookings` (issue 17 moved the model).
        db_table = "bookings_office"
        verbose_name = _("office")
        verbose_name_plural = _("offices")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(cutoff_hour__lte=24), name="office_cutoff_hour_range"
            ),
            models.CheckConstraint(
                condition=Q(reminder_hour__lte=23), name="office_reminder_hour_range"
            ),
            models.CheckConstraint(
                condition=Q(opens_at__lt=F("closes_at")), name="office_hours_order"
            ),
            models.CheckConstraint(
                condition=Q(booking_horizon_weeks__gte=1), name="office_horizon_positive"
            ),
            models.CheckConstraint(
                condition=~Q(meeting_url_mode="template")
                | Q(meeting_url_template__contains="{token}"),
                name="office_meeting_template_has_token",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class OfficeClosedDay(models.Model):
    """A day an office adds to the national closures (its own holidays, moves, training days)."""

    office = models.ForeignKey(
        Office, on_delete=models.CASCADE, related_name="closed_days", verbose_name=_("office")
    )
    date = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=100, blank=True)

    class Meta:
        # The table keeps the name it had in `bookings` (issue 17 moved the model).
        db_table = "bookings_officeclosedday"
        verbose_name = _("office closed day")
        verbose_name_plural = _("office closed days")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["office", "date"], name="closed_day_once_per_office")
        ]

    def __str__(self) -> str:
        return f"{self.office} {format_jp_date(self.date)}"


class StaffProfile(models.Model):
    """Which office a staff user works for; every admin list is limited to it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="staff_profile",
        verbose_name=_("user"),
    )
    office = models.ForeignKey(
        Office,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
        help_text=_("Empty for a bureau administrator."),
        verbose_name=_("office"),
    )
    bureau = models.ForeignKey(
        Bureau, on_delete=models.PROTECT, related_name="staff", verbose_name=_("labour bureau")
    )

    class Meta:
        # The table keeps the name it had in `bookings` (issue 17 moved the model).
        db_table = "bookings_staffprofile"
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")

    def __str__(self) -> str:
        return str(self.user)
