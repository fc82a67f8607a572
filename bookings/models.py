"""Counselors, slots and reservations: the heart of the booking rules (Art 6).

The offices they belong to are `offices.models`."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.calendar import format_jp_datetime
from offices.models import Office

# Art 6(1): a consultation lasts 30 minutes.
SLOT_LENGTH = dt.timedelta(minutes=30)
# Art 6(5): with no contact, a reservation is cancelled 10 minutes after its start.
NO_SHOW_AFTER = dt.timedelta(minutes=10)


class Counselor(models.Model):
    """A job counselor (職業相談員) who holds consultations."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="counselor",
        verbose_name=_("user"),
    )
    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="counselors", verbose_name=_("office")
    )
    display_name = models.CharField(_("display name"), max_length=100)
    meeting_room_url = models.URLField(_("personal meeting room URL"), blank=True)
    # The counselor's account at the office's video service (never a secret): the Zoom user's
    # email or id, the Webex host's email, or the Teams user's Microsoft Entra object id.
    meeting_account = models.CharField(
        _("account on the video service"),
        max_length=200,
        blank=True,
        default="",
        db_default="",
        help_text=_(
            "Zoom: the user's email or id. Webex: the host's email. "
            "Microsoft Teams: the user's Microsoft Entra object id."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("counselor")
        verbose_name_plural = _("counselors")
        ordering = ["office", "display_name"]

    def __str__(self) -> str:
        return self.display_name


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class WeeklyAvailability(models.Model):
    """A counselor's weekly pattern: on this weekday, consultations from start to end."""

    counselor = models.ForeignKey(
        Counselor, on_delete=models.CASCADE, related_name="patterns", verbose_name=_("counselor")
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday)
    start_time = models.TimeField(_("from"))
    end_time = models.TimeField(_("to"))
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        verbose_name = _("weekly availability")
        verbose_name_plural = _("weekly availability")
        ordering = ["counselor", "weekday", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_time__lt=F("end_time")), name="pattern_start_before_end"
            ),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="pattern_weekday_range"),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")),
                name="pattern_validity_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.counselor} {self.get_weekday_display()} {self.start_time:%H:%M}-{self.end_time:%H:%M}"


class SlotStatus(models.TextChoices):
    OPEN = "open", _("Open")
    BLOCKED = "blocked", _("Blocked")


class Slot(models.Model):
    """Thirty minutes of one counselor's time (Art 6(1)); never overlapping another of theirs."""

    counselor = models.ForeignKey(
        Counselor, on_delete=models.PROTECT, related_name="slots", verbose_name=_("counselor")
    )
    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="slots", verbose_name=_("office")
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    status = models.CharField(
        _("status"), max_length=10, choices=SlotStatus, default=SlotStatus.OPEN
    )
    blocked_reason = models.CharField(_("reason for blocking"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("slot")
        verbose_name_plural = _("slots")
        ordering = ["starts_at", "counselor"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at=F("starts_at") + SLOT_LENGTH),
                name="slot_lasts_30_minutes",
                violation_error_message=_("A slot lasts exactly 30 minutes."),
            ),
            models.UniqueConstraint(
                fields=["counselor", "starts_at"], name="slot_unique_counselor_start"
            ),
            # On PostgreSQL an exclusion constraint (migration 0003) also forbids overlaps.
        ]
        indexes = [
            models.Index(fields=["office", "starts_at"], name="slot_office_start_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.counselor} {format_jp_datetime(self.starts_at)}"


class ReservationStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    IN_SESSION = "in_session", _("In session")
    COMPLETED = "completed", _("Completed")
    ENDED_EARLY = "ended_early", _("Ended early")
    NO_SHOW = "no_show", _("No-show")
    CANCELLED = "cancelled", _("Cancelled")


# The one definition of an active reservation: it holds its slot in every status but
# cancelled (held, missed or still ahead alike). The unique index of one active reservation
# per slot has this condition, and `Reservation.objects.active()` filters with it, so a
# query of active reservations is the one that index answers.
ACTIVE = ~Q(status=ReservationStatus.CANCELLED)
UPCOMING_STATUSES = [ReservationStatus.CONFIRMED]


class ReservationSource(models.TextChoices):
    WEB = "web", _("Web")
    IN_SESSION = "in_session", _("During a session (Art 6(4))")
    STAFF = "staff", _("Staff")


class CancelChannel(models.TextChoices):
    PHONE = "phone", _("Phone")
    WEB = "web", _("Web (reservation page)")
    STAFF = "staff", _("Staff")
    SYSTEM = "system", _("System")


class ReservationQuerySet(models.QuerySet):
    def active(self) -> "ReservationQuerySet":
        """The reservations that hold their slot (`ACTIVE`): every one not cancelled."""
        return self.filter(ACTIVE)


class Reservation(models.Model):
    """A jobseeker's booking of one slot."""

    reference = models.CharField(_("reference"), max_length=12, unique=True)
    jobseeker = models.ForeignKey(
        "jobseekers.Jobseeker",
        on_delete=models.PROTECT,
        related_name="reservations",
        verbose_name=_("jobseeker"),
    )
    slot = models.ForeignKey(
        Slot, on_delete=models.PROTECT, related_name="reservations", verbose_name=_("slot")
    )
    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="reservations", verbose_name=_("office")
    )
    # Denormalised from the slot so that the no-show sweep and the day view need no join.
    starts_at = models.DateTimeField(_("starts at"))
    status = models.CharField(
        _("status"), max_length=20, choices=ReservationStatus, default=ReservationStatus.CONFIRMED
    )
    source = models.CharField(_("source"), max_length=20, choices=ReservationSource)
    previous = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="follow_ups",
        verbose_name=_("booked during"),
    )
    # Art 13(3): an interpreter or an assistant must be announced in advance.
    interpreter_language = models.CharField(_("interpreter language"), max_length=50, blank=True)
    assistant_attends = models.BooleanField(_("an assistant attends"), default=False)
    note = models.CharField(_("note"), max_length=400, blank=True)
    # Art 2(2), 5, 13: the environment checklist as confirmed at booking.
    environment_checklist = models.JSONField(_("environment checklist"), default=dict, blank=True)
    meeting_url = models.URLField(_("meeting URL"), max_length=300, blank=True)
    meeting_url_problem = models.CharField(
        max_length=200, blank=True, verbose_name=_("meeting URL problem")
    )
    # The meeting at the office's video service (docs/meetings.md): which service ("zoom",
    # "webex", "teams"; empty for a personal room or a template URL), its id there, the host
    # account it was made for, its passcode and the time it is set for. A Celery task of
    # notifications makes, moves and removes it; `meeting_next_attempt_at` is when it tries next.
    meeting_provider = models.CharField(
        max_length=20, blank=True, default="", db_default="", verbose_name=_("video service")
    )
    meeting_provider_id = models.CharField(
        max_length=200,
        blank=True,
        default="",
        db_default="",
        verbose_name=_("meeting ID at the video service"),
    )
    meeting_host_account = models.CharField(
        max_length=200, blank=True, default="", db_default="", verbose_name=_("host account")
    )
    meeting_passcode = models.CharField(
        max_length=50, blank=True, default="", db_default="", verbose_name=_("meeting passcode")
    )
    meeting_starts_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("meeting set for")
    )
    meeting_attempts = models.PositiveSmallIntegerField(
        default=0, db_default=0, verbose_name=_("meeting attempts")
    )
    meeting_next_attempt_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("next meeting attempt at")
    )
    access_nonce = models.CharField(max_length=32, verbose_name=_("access nonce"))
    access_token_hash = models.CharField(
        max_length=64, unique=True, verbose_name=_("access token hash")
    )
    # ICS SEQUENCE: bumped on each change a calendar must see.
    sequence = models.PositiveIntegerField(default=0, verbose_name=_("invitation revision"))
    late_notice_at = models.DateTimeField(_("late notice at"), null=True, blank=True)
    late_notice_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("late notice recorded by"),
    )
    late_notice_note = models.CharField(_("late notice note"), max_length=200, blank=True)
    late_notice_caller = models.CharField(_("late notice: who called"), max_length=100, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=500, blank=True)
    end_reason = models.CharField(_("reason for ending early"), max_length=500, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("cancelled by"),
    )
    cancel_channel = models.CharField(
        max_length=10, choices=CancelChannel, blank=True, verbose_name=_("cancelled through")
    )
    cancel_caller = models.CharField(_("who called"), max_length=100, blank=True)
    cancel_called_at = models.DateTimeField(_("called at"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason"), max_length=500, blank=True)
    cancel_note = models.CharField(_("cancellation note"), max_length=500, blank=True)
    no_show_at = models.DateTimeField(null=True, blank=True, verbose_name=_("no-show recorded at"))
    # The jobseeker changed the time online (`reservation_move`): when, and the start it had.
    rescheduled_at = models.DateTimeField(_("time changed at"), null=True, blank=True)
    rescheduled_from = models.DateTimeField(_("previous start"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("booked by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    objects = ReservationQuerySet.as_manager()

    class Meta:
        verbose_name = _("reservation")
        verbose_name_plural = _("reservations")
        ordering = ["-starts_at"]
        permissions = [
            ("phone_reservation", _("Can record phoned-in cancellations and late notices")),
        ]
        constraints = [
            # No double booking: one active reservation per slot.
            models.UniqueConstraint(
                fields=["slot"],
                condition=ACTIVE,
                name="reservation_one_active_per_slot",
                violation_error_message=_("This slot has just been taken."),
            ),
            models.CheckConstraint(
                condition=~Q(status=ReservationStatus.CANCELLED) | Q(cancelled_at__isnull=False),
                name="reservation_cancel_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status=ReservationStatus.NO_SHOW)
                | (Q(started_at__isnull=True) & Q(late_notice_at__isnull=True)),
                name="reservation_no_show_not_started_nor_late_notice",
            ),
            models.CheckConstraint(
                condition=~Q(source=ReservationSource.IN_SESSION) | Q(previous__isnull=False),
                name="reservation_in_session_has_previous",
            ),
        ]
        indexes = [
            # The no-show sweep reads only confirmed reservations by start time.
            models.Index(
                fields=["starts_at"],
                condition=Q(status=ReservationStatus.CONFIRMED),
                name="res_confirmed_start_idx",
            ),
            models.Index(fields=["jobseeker", "status", "starts_at"], name="res_jobseeker_idx"),
            models.Index(fields=["office", "starts_at"], name="res_office_start_idx"),
            # The meeting sweep reads only the reservations whose meeting has a step due.
            models.Index(
                fields=["meeting_next_attempt_at"],
                condition=Q(meeting_next_attempt_at__isnull=False),
                name="res_meeting_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def ends_at(self) -> dt.datetime:
        return self.starts_at + SLOT_LENGTH

    @property
    def no_show_deadline(self) -> dt.datetime:
        return self.starts_at + NO_SHOW_AFTER


class WaitlistScope(models.TextChoices):
    DAY = "day", _("This day")
    WEEK = "week", _("This week")


# A request that still waits: not yet told, not withdrawn. It also expires with its range (a
# query condition: `WaitlistQuerySet.active` adds `last_day >= today`), so no sweep is needed.
WAITING = Q(notified_at__isnull=True, withdrawn_at__isnull=True)


class WaitlistQuerySet(models.QuerySet):
    def active(self, *, today: dt.date) -> "WaitlistQuerySet":
        """The requests still waiting on `today` (Asia/Tokyo): not told, not withdrawn, and
        their range not over."""
        return self.filter(WAITING, last_day__gte=today)


class WaitlistRequest(models.Model):
    """「空きが出たら知らせる」: a jobseeker asks to be emailed when a time frees up on a day or
    in a week (Monday to Sunday) with no free time. Nothing is held for them: the email says
    a time is free, and whoever books first has it."""

    jobseeker = models.ForeignKey(
        "jobseekers.Jobseeker",
        on_delete=models.CASCADE,
        related_name="waitlist_requests",
        verbose_name=_("jobseeker"),
    )
    # The jobseeker's office when they asked: the times they see are its (or its bureau's).
    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="waitlist_requests", verbose_name=_("office")
    )
    scope = models.CharField(_("range"), max_length=10, choices=WaitlistScope)
    first_day = models.DateField(_("from"))
    last_day = models.DateField(_("to"))
    created_at = models.DateTimeField(_("asked at"))
    notified_at = models.DateTimeField(_("told at"), null=True, blank=True)
    # The day of the time that freed up: the day the email links to.
    offered_day = models.DateField(null=True, blank=True, verbose_name=_("day offered"))
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    # For the withdraw link of the emails (bookings.services.waitlist.waitlist_withdraw_token).
    access_nonce = models.CharField(max_length=32)

    objects = WaitlistQuerySet.as_manager()

    class Meta:
        verbose_name = _("request to be told of a free time")
        verbose_name_plural = _("requests to be told of a free time")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(first_day__lte=F("last_day"))
                & Q(last_day__lte=F("first_day") + dt.timedelta(days=6)),
                name="waitlist_range_within_a_week",
            ),
            # One waiting request per jobseeker and range (asked twice: the same request).
            models.UniqueConstraint(
                fields=["jobseeker", "first_day", "last_day"],
                condition=WAITING,
                name="waitlist_one_active_per_range",
                violation_error_message=_("You have already asked to be told about these days."),
            ),
        ]
        indexes = [
            models.Index(
                fields=["office", "first_day", "last_day"],
                condition=WAITING,
                name="waitlist_waiting_idx",
            ),
            models.Index(fields=["jobseeker", "last_day"], name="waitlist_jobseeker_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.jobseeker_id} {self.first_day}–{self.last_day}"
