"""The jobseeker's booking journey: thin views over the services (every rule is checked there).

Start → identify (one-time email link) → gates → consent → environment checklist → date and
time → details → check answers → commit → confirmation; then the reservation page behind an
unguessable link. The journey's state sits in the session; the services check it all again.
"""

import datetime as dt
import logging
import re
import secrets
import time

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.csp import get_nonce
from django.middleware.csrf import get_token
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from bookings.availability import PageUnavailable, cached_page, page_cut, page_fill
from bookings.checklist import CHECKLIST_ITEMS, checklist_missing
from bookings.errors import (
    AlreadyBooked,
    ConsentRequired,
    JobseekerSuspended,
    RegistrationExpired,
    RegistrationUnverified,
    SlotTaken,
    UpcomingLimitReached,
)
from bookings.models import SLOT_LENGTH, Reservation, Slot
from bookings.selectors import (
    booking_months,
    calendar_month,
    day_offices,
    day_page_access,
    free_times_nearest,
    free_times_of_day,
    free_times_unchanged_for,
    office_list_public,
    upcoming_reservations_exist,
)
from bookings.services.reservations import (
    booking_gate,
    consent_check,
    jobseeker_gate,
    reservation_access_token,
    reservation_create,
    slot_check,
)
from consent.errors import TermsNotPublished
from consent.models import ConsentChannel
from consent.selectors import consent_latest, terms_in_force
from consent.services import consent_record
from core import ratelimit
from core.calendar import TOKYO, format_jp_date, format_jp_range
from core.errors import DomainError
from core.sessions import session_save_best_effort
from jobseekers.models import Jobseeker
from jobseekers.signin import (
    TOKEN_PATTERN,
    SignInError,
    sign_in_redeem,
    sign_in_request_first_visit,
    sign_in_request_returning,
    sign_in_token_state,
)
from portal.forms import (
    ChecklistForm,
    ConsentForm,
    DetailsForm,
    FirstVisitForm,
    ReturningForm,
    TimeForm,
)
from portal.mine_rows import gate_details
from portal.pages import (
    google_url,
    outlook_url,
    page_language,
    rate_limited,
    reminder_note,
    render_page,
)
from portal.reservation import reservation_by_token
from portal.waitlist_section import waitlist_section, week_is_full

logger = logging.getLogger(__name__)

SESSION_JOBSEEKER = "journey_jobseeker"
SESSION_CHECKLIST = "journey_checklist"
SESSION_SLOT = "journey_slot"
SESSION_DETAILS = "journey_details"
JOURNEY_KEYS = [SESSION_CHECKLIST, SESSION_SLOT, SESSION_DETAILS]
# A signed-in journey lasts an hour without activity.
JOURNEY_IDLE_SECONDS = 60 * 60
# The idle deadline is pushed back at most this often, so that a page view does not rewrite the
# session row each time: a journey ends after 55 to 60 minutes without activity.
JOURNEY_TOUCH_SECONDS = 5 * 60
SESSION_TOUCHED = "journey_touched"
# When the sign-in link was used (seconds since the epoch): a journey ends at most
# JOBSEEKER_SESSION_ABSOLUTE_TIMEOUT after it, however active (as staff sessions do).
SESSION_SIGNED_IN_AT = "journey_signed_in_at"
# The office a first visit's registration request went to (for its phone number on the page).
SESSION_REQUEST_OFFICE = "journey_request_office"
# The reservation whose time the jobseeker is changing (「予約の確認」 → change the time): the
# month and day pages then choose its new time, and the limit of upcoming bookings does not
# stop them (the pair counts as one).
SESSION_CHANGE = "journey_change"
# The reservation just booked: the back button after the confirmation leads to 「予約の確認」.
SESSION_BOOKED = "journey_booked"
# Where to go after signing in ("mine": 「予約の確認」, asked for while signed out).
SESSION_AFTER_SIGN_IN = "journey_after_sign_in"
# A day a signed-out visitor opened (the link of a 「空きが出たら知らせる」 email): shown once the
# journey reaches the choice of a date, after signing in.
SESSION_NEXT_DAY = "journey_next_day"

GATE_ERRORS = (
    JobseekerSuspended,
    RegistrationUnverified,
    RegistrationExpired,
    UpcomingLimitReached,
    TermsNotPublished,
)


def _absolute_seconds() -> int:
    return int(settings.JOBSEEKER_SESSION_ABSOLUTE_TIMEOUT.total_seconds())


def journey_jobseeker_id(request: HttpRequest) -> int | None:
    """The signed-in jobseeker's id, or None; a journey past its absolute lifetime is ended.

    A session without the sign-in time (made before it was recorded, or put together by hand)
    cannot prove its age and is not trusted.
    """
    pk = request.session.get(SESSION_JOBSEEKER)
    if not pk:
        return None
    signed_in_at = request.session.get(SESSION_SIGNED_IN_AT)
    now = time.time()
    if not isinstance(signed_in_at, int | float) or now - signed_in_at >= _absolute_seconds():
        journey_end(request)
        return None
    return pk


def journey_sign_in_state(jobseeker_id: int, *, at: float) -> dict:
    """What a used sign-in link leaves in the session: who signed in, and when (the journey's
    absolute lifetime counts from it). The one definition of a signed-in journey: the sign-in
    view stores it, and the tests and the benchmark build their signed-in sessions from it."""
    return {SESSION_JOBSEEKER: jobseeker_id, SESSION_SIGNED_IN_AT: at}


def journey_end(request: HttpRequest) -> None:
    """Sign the jobseeker out: the session and its cookie go, the next page asks again."""
    request.session.flush()


def _jobseeker(request: HttpRequest) -> Jobseeker | None:
    pk = journey_jobseeker_id(request)
    if not pk:
        return None
    try:
        jobseeker = Jobseeker.objects.select_related("office").get(
            pk=pk, anonymised_at__isnull=True
        )
    except Jobseeker.DoesNotExist:
        return None
    bound = jobseeker.email_bound_at
    if bound is not None and bound.timestamp() > request.session[SESSION_SIGNED_IN_AT]:
        # The office bound another address to the number since this journey signed in
        # (a confirmed request, staff's correction): whoever held the old one is signed out.
        journey_end(request)
        return None
    return jobseeker


def journey_keep_alive(request: HttpRequest) -> None:
    """Push the journey's idle deadline back; writes the session only every few minutes.

    The deadline never passes the journey's absolute end, so the store drops the session then
    too (not only the check in `journey_jobseeker_id`).
    """
    now = int(time.time())
    if now - request.session.get(SESSION_TOUCHED, 0) >= JOURNEY_TOUCH_SECONDS:
        request.session[SESSION_TOUCHED] = now
        signed_in_at = request.session.get(SESSION_SIGNED_IN_AT, now)
        left = int(signed_in_at + _absolute_seconds() - now)
        request.session.set_expiry(max(1, min(JOURNEY_IDLE_SECONDS, left)))


def _journey(view):
    """The journey's pages need a signed-in jobseeker; otherwise back to identification."""

    def wrapper(request: HttpRequest, *args, **kwargs):
        jobseeker = _jobseeker(request)
        if jobseeker is None:
            return redirect("bookings:identify")
        journey_keep_alive(request)
        return view(request, jobseeker, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


def _next_step(request: HttpRequest, jobseeker: Jobseeker, now: dt.datetime) -> str:
    """The URL of the first step not done yet (gates first)."""
    try:
        booking_gate(jobseeker=jobseeker, now=now)
    except DomainError:
        return reverse("bookings:gate")
    try:
        consent_check(jobseeker=jobseeker, now=now)
    except TermsNotPublished:
        return reverse("bookings:gate")
    except ConsentRequired:
        return reverse("bookings:terms")
    if checklist_missing(request.session.get(SESSION_CHECKLIST)):
        return reverse("bookings:checklist")
    if not request.session.get(SESSION_SLOT):
        next_day = request.session.pop(SESSION_NEXT_DAY, None)
        if next_day:
            return reverse("bookings:day", kwargs={"date": next_day})
        return reverse("bookings:calendar")
    if SESSION_DETAILS not in request.session:
        return reverse("bookings:details")
    return reverse("bookings:check")


def _changing(request: HttpRequest, jobseeker: Jobseeker) -> Reservation | None:
    """The jobseeker's reservation whose time they are changing, if they are."""
    pk = request.session.get(SESSION_CHANGE)
    if not pk:
        return None
    return (
        Reservation.objects.select_related("office", "slot", "jobseeker")
        .filter(pk=pk, jobseeker=jobseeker)
        .first()
    )


def _may_choose_time(request: HttpRequest, jobseeker: Jobseeker, now: dt.datetime) -> bool:
    """Whether the booking gates let the jobseeker choose a time now: all of them for a new
    booking; while changing a reservation's time, all but the limit of upcoming bookings."""
    try:
        if request.session.get(SESSION_CHANGE):
            jobseeker_gate(jobseeker=jobseeker, now=now)
        else:
            booking_gate(jobseeker=jobseeker, now=now)
    except DomainError:
        return False
    return True


def _gate_passed(jobseeker: Jobseeker, now: dt.datetime) -> bool:
    try:
        booking_gate(jobseeker=jobseeker, now=now)
        consent_check(jobseeker=jobseeker, now=now)
    except ConsentRequired:
        return True
    except DomainError:
        return False
    return True


# 1. Start


@require_safe
def start(request: HttpRequest) -> HttpResponse:
    return render_page(
        request,
        "bookings/start.html",
        {
            "offices": office_list_public(),
            "signed_in": _jobseeker(request) is not None,
            "terms_url": reverse("consent:terms_index"),
        },
    )


# 2. Identify


def _identify(request: HttpRequest, *, returning: bool) -> HttpResponse:
    form_class = ReturningForm if returning else FirstVisitForm
    template = "bookings/identify_returning.html" if returning else "bookings/identify.html"
    if request.method == "POST":
        ip_rule = ratelimit.limit("identify_ip")
        if ratelimit.limit_hit(ip_rule, ratelimit.client_key(request)):
            return rate_limited(request, ip_rule)
        form = form_class(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            # Each identification sends one email to the address typed: however many numbers
            # or clients ask, one mailbox gets a few an hour (no flooding a stranger's inbox).
            recipient_rule = ratelimit.limit("identify_recipient")
            if ratelimit.limit_hit(recipient_rule, ratelimit.recipient_key(data["email"])):
                return rate_limited(request, recipient_rule)
            # The email is an outbox row, sent by a worker: a slow or failing provider never
            # holds this request (the sweep retries it).
            if returning:
                sign_in_request_returning(
                    number=data["number"], email=data["email"], language=page_language()
                )
            else:
                sign_in_request_first_visit(language=page_language(), **data)
            request.session["journey_link_sent_to"] = data["email"]
            # The typed address lives no longer than the journey, not the cookie's two weeks.
            request.session.set_expiry(JOURNEY_IDLE_SECONDS)
            return redirect("bookings:link_sent")
    else:
        form = form_class()
    return render_page(request, template, {"form": form}, step="identify")


@require_http_methods(["GET", "HEAD", "POST"])
def identify(request: HttpRequest) -> HttpResponse:
    return _identify(request, returning=False)


@require_http_methods(["GET", "HEAD", "POST"])
def identify_returning(request: HttpRequest) -> HttpResponse:
    return _identify(request, returning=True)


@require_safe
def link_sent(request: HttpRequest) -> HttpResponse:
    email = request.session.get("journey_link_sent_to")
    if not email:
        return redirect("bookings:identify")
    return render_page(request, "bookings/link_sent.html", {"email": email}, step="identify")


@require_http_methods(["GET", "HEAD", "POST"])
def sign_in(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button; only the POST uses the link (mail scanners follow GET links)."""
    rule = ratelimit.limit("link_ip")
    if ratelimit.limit_hit(rule, ratelimit.client_key(request)):
        return rate_limited(request, rule)
    try:
        if not re.fullmatch(TOKEN_PATTERN, token):
            sign_in_token_state(token="")
        # The link's 30 minutes are read on the database's clock (the host that wrote the link
        # may not be this one): the services take it when no `now` is given.
        if request.method == "POST":
            redeemed = sign_in_redeem(token=token)
        else:
            sign_in_token_state(token=token)
            return render_page(request, "bookings/sign_in.html", {"token": token}, step="identify")
    except SignInError as error:
        return render_page(
            request,
            "bookings/sign_in_problem.html",
            {"error": error.message, "code": error.code},
            status=400 if error.code == "mismatch" else 410,
        )
    jobseeker = redeemed.jobseeker
    if jobseeker is None:
        # A request for the office to check; the same answer whatever the number.
        request.session[SESSION_REQUEST_OFFICE] = redeemed.request.office_id
        return redirect("bookings:request_received")
    after = request.session.get(SESSION_AFTER_SIGN_IN)
    request.session.cycle_key()
    for key in [
        *JOURNEY_KEYS,
        "journey_link_sent_to",
        SESSION_REQUEST_OFFICE,
        SESSION_CHANGE,
        SESSION_BOOKED,
        SESSION_AFTER_SIGN_IN,
    ]:
        request.session.pop(key, None)
    request.session.update(journey_sign_in_state(jobseeker.pk, at=time.time()))
    request.session.pop(SESSION_TOUCHED, None)
    journey_keep_alive(request)
    translation.activate(jobseeker.preferred_language)
    # A returning jobseeker with a booking, or one who asked for 「予約の確認」, lands there.
    if after == "mine" or upcoming_reservations_exist(jobseeker=jobseeker, now=timezone.now()):
        return redirect("bookings:mine")
    return redirect("bookings:journey")


@require_safe
def request_received(request: HttpRequest) -> HttpResponse:
    """After a first-visit link: the request went to the office, which emails when it is done."""
    office_id = request.session.get(SESSION_REQUEST_OFFICE)
    office = office_list_public().filter(pk=office_id).first() if office_id else None
    return render_page(
        request, "bookings/request_received.html", {"office": office}, step="identify"
    )


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    request.session.flush()
    return redirect("bookings:start")


# 3. Gates


@require_safe
@_journey
def journey(request: HttpRequest, jobseeker: Jobseeker) -> HttpResponse:
    if request.session.pop(SESSION_CHANGE, None):
        request.session.pop(SESSION_SLOT, None)  # the time chosen for the change, not kept
    return redirect(_next_step(request, jobseeker, timezone.now()))


@require_safe
@_journey
def gate(request: HttpRequest, jobseeker: Jobseeker) -> HttpResponse:
    now = timezone.now()
    try:
        booking_gate(jobseeker=jobseeker, now=now)
        consent_check(jobseeker=jobseeker, now=now)
    except GATE_ERRORS as error:
        if error.code == "upcoming_limit" and request.session.get(SESSION_BOOKED):
            # Back from the confirmation: the booking just made, not a refusal.
            return redirect("bookings:mine")
        return render_page(
            request,
            "bookings/gate.html",
            {
                "error": error.message,
                "code": error.code,
                "office": jobseeker.office,
                "view_details": {"code": error.code, **gate_details(jobseeker, error.code, now)},
            },
            status=403,
        )
    except DomainError:
        pass
    return redirect(_next_step(request, jobseeker, now))


# 4. Consent


@require_http_methods(["GET", "HEAD", "POST"])
@_journey
def terms(request: HttpRequest, jobseeker: Jobseeker) -> HttpResponse:
    now = timezone.now()
    if not _gate_passed(jobseeker, now):
        return redirect("bookings:gate")
    office = jobseeker.office
    version = terms_in_force(bureau_id=office.bureau_id, now=now)
    if version is None:
        return redirect("bookings:gate")
    latest = consent_latest(jobseeker_id=jobseeker.pk)
    changed = latest is not None and latest.terms_version_id != version.pk
    form = ConsentForm(request.POST or None, app_name=office.video_app_name)
    if request.method == "POST" and form.is_valid():
        consent_record(
            jobseeker=jobseeker,
            terms_version=version,
            channel=ConsentChannel.WEB,
            ip_address=ratelimit.client_ip(request) if request.META.get("REMOTE_ADDR") else None,
            video_app_terms_accepted=True,
            now=now,
        )
        return redirect(_next_step(request, jobseeker, now))
    english = page_language() == "en"
    return render_page(
        request,
        "bookings/terms.html",
        {
            "form": form,
            "version": version,
            "summary": (version.summary_en if english and version.summary_en else version.summary),
            "changed": changed,
            "office": office,
        },
        step="terms",
    )


# 5. Environment checklist


@require_http_methods(["GET", "HEAD", "POST"])
@_journey
def checklist(request: HttpRequest, jobseeker: Jobseeker) -> HttpResponse:
    if request.method == "POST":
        form = ChecklistForm(request.POST)
        if form.is_valid():
            request.session[SESSION_CHECKLIST] = form.checklist()
            return redirect(_next_step(request, jobseeker, timezone.now()))
    else:
        form = ChecklistForm(initial=request.session.get(SESSION_CHECKLIST) or {})
    return render_page(
        request,
        "bookings/checklist.html",
        {"form": form, "office": jobseeker.office},
        step="checklist",
    )


# 6. Date and time


def _parse_month(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(f"{value}-01") if value else None
    except ValueError:
        return None


@require_safe
@_journey
def calendar(request: HttpRequest, jobseeker: Jobseeker) -> HttpResponse:
    now = timezone.now()
    if not _may_choose_time(request, jobseeker, now):
        return redirect("bookings:gate")
    first, last = booking_months(jobseeker=jobseeker, now=now)
    month = _parse_month(request.GET.get("month")) or first
    month = min(max(month, first), last)
    view = calendar_month(jobseeker=jobseeker, month=month, now=now)
    if view.first_free is None and month == first and first < last and not request.GET:
        view = calendar_month(jobseeker=jobseeker, month=last, now=now)
    return render_page(
        request,
        "bookings/calendar.html",
        {"calendar": view, "office": jobseeker.office, "changing": _changing(request, jobseeker)},
        step="time",
    )


def _time_range(slot: Slot, language: str) -> str:
    start = slot.starts_at.astimezone(TOKYO)
    end = start + SLOT_LENGTH
    dash = "–" if language == "en" else "〜"
    return f"{start:%H:%M}{dash}{end:%H:%M}"


def _time_choices(slots) -> list[dict]:
    language = page_language()
    return [
        {
            "id": slot.pk,
            "label": format_jp_range(slot.starts_at, slot.starts_at + SLOT_LENGTH, language),
            "time": _time_range(slot, language),
            "office": slot.office,
        }
        for slot in slots
    ]


def _choose(request: HttpRequest, jobseeker: Jobseeker, form: TimeForm):
    """Check the chosen slot with the service; on success remember it and go on."""
    if not form.is_valid():
        return None
    try:
        slot = slot_check(
            slot_id=form.cleaned_data["slot"], jobseeker=jobseeker, now=timezone.now()
        )
    except DomainError as error:
        form.add_error("slot", error.message)
        return None
    request.session[SESSION_SLOT] = slot.pk
    if request.session.get(SESSION_CHANGE):
        return redirect("bookings:mine_change")
    return redirect(_next_step(request, jobseeker, timezone.now()))


@require_http_methods(["GET", "HEAD", "POST"])
def day(request: HttpRequest, date: dt.date) -> HttpResponse:
    """The slot-choice page. A GET is answered from the cache when it can, which needs no more
    of the jobseeker than their office (`_day_page_cached`); the rest goes the journey's way."""
    if request.method == "POST" or request.GET:
        return _day_journey(request, date)
    pk = journey_jobseeker_id(request)
    office_id, gated = (
        day_page_access(
            jobseeker_id=pk,
            now=timezone.now(),
            count_limit=not request.session.get(SESSION_CHANGE),
        )
        if pk
        else (None, False)
    )
    if office_id is None:
        # Signed in, the journey comes back to this day (the link of a waitlist email).
        request.session[SESSION_NEXT_DAY] = date.isoformat()
        return redirect("bookings:identify")
    if gated:
        return redirect("bookings:gate")
    journey_keep_alive(request)
    return _day_page_cached(request, office_id, date)


@_journey
def _day_journey(request: HttpRequest, jobseeker: Jobseeker, date: dt.date) -> HttpResponse:
    chosen_day = date
    if not _may_choose_time(request, jobseeker, timezone.now()):
        return redirect("bookings:gate")
    if request.method == "POST":
        form = TimeForm(request.POST)
        done = _choose(request, jobseeker, form)
        if done is not None:
            return done
        return _day_page(
            request,
            jobseeker,
            chosen_day,
            form,
            timezone.now(),
            waitlist=waitlist_section(request, jobseeker, chosen_day),
        )[0]
    # A query string, which the page does not use, is not cached: made-up ones would fill the
    # cache.
    return _day_page(
        request,
        jobseeker,
        chosen_day,
        _time_form(request),
        timezone.now(),
        waitlist=waitlist_section(request, jobseeker, chosen_day),
    )[0]


def _time_form(request: HttpRequest) -> TimeForm:
    """The unbound form of a GET, the time already chosen selected."""
    return TimeForm(initial={"slot": request.session.get(SESSION_SLOT)})


def _day_page(request, jobseeker, chosen_day, form, now, *, offices=None, **extra):
    """(the page, seconds its times stay true)."""
    slots = free_times_of_day(jobseeker=jobseeker, day=chosen_day, now=now, offices=offices)
    times = _time_choices(slots)
    response = render_page(
        request,
        "bookings/day.html",
        {
            "form": form,
            "day": chosen_day,
            "day_label": format_jp_date(chosen_day, page_language()),
            "times": times,
            "many_offices": len({t["office"].pk for t in times}) > 1,
            "office": jobseeker.office,
            **extra,
        },
        step="time",
    )
    return response, free_times_unchanged_for(slots, now=now)


def _day_page_cached(request: HttpRequest, office_id: int, chosen_day: dt.date) -> HttpResponse:
    """The slot-choice page as a GET shows it: the same for every jobseeker of the office who
    looks at the same day in the same language with the same time chosen, so it is rendered
    once for them all (`bookings.availability.cached_page`), by whichever process, and served
    by any: it is kept cut where the request's own values go (the CSRF token, the CSP nonce if
    the page uses it), which are put in per request. The jobseeker is read in full only when
    the page is rendered."""
    now = timezone.now()
    variant = (
        chosen_day.isoformat(),
        page_language(),
        request.session.get(SESSION_SLOT),
        now.astimezone(TOKYO).date().isoformat(),
    )

    def prepare():
        jobseeker = _jobseeker(request)
        if jobseeker is None or jobseeker.office_id != office_id:
            raise PageUnavailable  # signed out or moved office since the look-up: ask again
        offices = day_offices(jobseeker=jobseeker)

        def render() -> tuple[tuple[str, ...], float]:
            # Made for this render and random: no text of the page can hold it.
            placeholder = secrets.token_hex(24)
            # The jobseeker's own 「空きが出たら知らせる」 part is put in per request too.
            waitlist_placeholder = secrets.token_hex(24)
            response, seconds = _day_page(
                request,
                jobseeker,
                chosen_day,
                _time_form(request),
                now,
                offices=offices,
                csrf_token=placeholder,
                waitlist=waitlist_placeholder,
            )
            values = {"csrf_token": placeholder}
            if waitlist_placeholder in response.content.decode():
                # A day with no free time: whether its week has one is the office's, not the
                # jobseeker's, so the kept page says it by the name of the cut.
                week_full = week_is_full(jobseeker, chosen_day, now)
                values["waitlist_week" if week_full else "waitlist"] = waitlist_placeholder
            if nonce := get_nonce(request):  # used while rendering: the page carries it
                values["csp_nonce"] = str(nonce)
            return page_cut(response.content.decode(), values), seconds

        return [o.pk for o in offices], render

    try:
        page = cached_page(office_id=office_id, variant=variant, prepare=prepare)
    except PageUnavailable:
        return redirect(request.path)
    return HttpResponse(
        page_fill(
            page,
            {
                "csrf_token": lambda: get_token(request),
                "csp_nonce": lambda: str(get_nonce(request)),
                "waitlist": lambda: waitlist_section(
                    request, _jobseeker(request), chosen_day, offer_week=False
                ),
                "waitlist_week": lambda: waitlist_section(
                    request, _jobseeker(request), chosen_day, offer_week=True
                ),
            },
        )
    )


@require_POST
@_journey
def choose_time(request: HttpRequest, jobseeker: Jobseeker) -> HttpResponse:
    """The form of the "just taken" page: one of the nearest free times."""
    if not _may_choose_time(request, jobseeker, timezone.now()):
        return redirect("bookings:gate")
    form = TimeForm(request.POST)
    done = _choose(request, jobseeker, form)
    if done is not None:
        return done
    return _taken(request, jobseeker, form=form, status=409)


def _taken(request, jobseeker, *, form=None, status=409, around=None) -> HttpResponse:
    now = timezone.now()
    times = _time_choices(
        free_times_nearest(jobseeker=jobseeker, around=around or now, now=now, limit=5)
    )
    return render_page(
        request,
        "bookings/taken.html",
        {"form": form or TimeForm(), "times": times, "office": jobseeker.office},
        step="time",
        status=status,
    )


# 7. Details


@require_http_methods(["GET", "HEAD", "POST"])
@_journey
def details(request: HttpRequest, jobseeker: Jobseeker) -> HttpResponse:
    if request.method == "POST":
        form = DetailsForm(request.POST)
        if form.is_valid():
            request.session[SESSION_DETAILS] = {
                "interpreter": form.cleaned_data["interpreter"],
                "interpreter_language": form.cleaned_data["interpreter_language"].strip(),
                "assistant_attends": form.cleaned_data["assistant_attends"],
                "note": form.cleaned_data["note"].strip(),
            }
            return redirect(_next_step(request, jobseeker, timezone.now()))
    else:
        form = DetailsForm(initial=request.session.get(SESSION_DETAILS) or {})
    return render_page(
        request,
        "bookings/details.html",
        {"form": form, "slot": _slot_summary(request.session.get(SESSION_SLOT))},
        step="details",
    )


# 8. Check answers and submit (9. commit)


@require_http_methods(["GET", "HEAD", "POST"])
@_journey
def check(request: HttpRequest, jobseeker: Jobseeker) -> HttpResponse:
    now = timezone.now()
    if request.method != "POST":
        # A POST is checked by reservation_create itself, under its locks.
        step_url = _next_step(request, jobseeker, now)
        if step_url != reverse("bookings:check"):
            return redirect(step_url)
    chosen = request.session.get(SESSION_SLOT)
    details_data = request.session.get(SESSION_DETAILS) or {}
    error = None
    if request.method == "POST":
        form = TimeForm(request.POST)
        slot_id = form.data.get("slot")
        try:
            reservation = reservation_create(
                slot=slot_id if slot_id is not None else chosen,
                jobseeker=jobseeker,
                environment_checklist=request.session.get(SESSION_CHECKLIST) or {},
                interpreter_language=details_data.get("interpreter_language", ""),
                assistant_attends=bool(details_data.get("assistant_attends")),
                note=details_data.get("note", ""),
                now=now,
            )
        except AlreadyBooked as held:
            # Sent again (a double click, or after an answer that never arrived): the booking
            # is the jobseeker's own, so it is shown, not "just taken".
            logger.info("booking sent again: reservation %s shown", held.reservation_id)
            return _to_confirmation(
                request,
                Reservation.objects.only("reference", "access_nonce").get(pk=held.reservation_id),
            )
        except SlotTaken:
            request.session.pop(SESSION_SLOT, None)
            return _taken(request, jobseeker, around=_slot_start(chosen) or now, status=409)
        except GATE_ERRORS:
            return redirect("bookings:gate")
        except ConsentRequired:
            return redirect("bookings:terms")
        except DomainError as exc:
            error = exc.message
        else:
            return _to_confirmation(request, reservation)
    slot = _slot_summary(chosen)
    if slot is None:
        return redirect("bookings:calendar")
    checklist_done = request.session.get(SESSION_CHECKLIST) or {}
    return render_page(
        request,
        "bookings/check.html",
        {
            "jobseeker": jobseeker,
            "slot": slot,
            "details": details_data,
            "checklist": [label for key, label in CHECKLIST_ITEMS if checklist_done.get(key)],
            "error": error,
        },
        step="check",
        status=409 if error else 200,
    )


def _to_confirmation(request: HttpRequest, reservation: Reservation) -> HttpResponse:
    """The way from a committed booking to its confirmation, which nothing may now undo.

    The journey's answers are forgotten, but if the session cannot be saved (the database
    restarting) the redirect goes out all the same: the confirmation is reached through the
    reservation's own link, not the session, and sending the booking again finds it.
    """
    for key in JOURNEY_KEYS:
        request.session.pop(key, None)
    request.session[SESSION_BOOKED] = reservation.pk
    session_save_best_effort(request)
    return redirect("bookings:confirmation", token=reservation_access_token(reservation))


def _slot_start(slot_id) -> dt.datetime | None:
    return Slot.objects.filter(pk=slot_id).values_list("starts_at", flat=True).first()


def _slot_summary(slot_id) -> dict | None:
    slot = Slot.objects.select_related("office").filter(pk=slot_id).first()
    if slot is None:
        return None
    return {
        "id": slot.pk,
        "label": format_jp_range(slot.starts_at, slot.ends_at, page_language()),
        "office": slot.office,
    }


# 10. Confirmation


@require_safe
def confirmation(request: HttpRequest, token: str) -> HttpResponse:
    """The confirmation, behind the reservation's own unguessable link (the one its invitation
    carries): it needs no session, so a booking that committed always reaches it."""
    reservation = reservation_by_token(token)
    return render_page(
        request,
        "bookings/confirmation.html",
        {
            "reservation": reservation,
            "when": format_jp_range(reservation.starts_at, reservation.ends_at, page_language()),
            "office": reservation.office,
            "page_url": reverse("bookings:reservation", kwargs={"token": token}),
            "ics_url": reverse("bookings:reservation_ics", kwargs={"token": token}),
            "google_url": google_url(reservation),
            "outlook_url": outlook_url(reservation),
            "reminder": reminder_note(reservation),
        },
    )
