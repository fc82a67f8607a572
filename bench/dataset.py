"""A realistic data set, loaded with INSERT … SELECT over generate_series (seconds, not minutes).

One *part* is: 100 counselors (10 in each of the 10 offices), 15 slots a day on every open day
from 8 weeks back to 8 weeks ahead (Asia/Tokyo, closed days skipped), 20,000 verified jobseekers
who agreed to the terms, 50,000 past reservations (completed, no-shows, cancellations, sessions
ended early) with their sent invitations, and 6,000 upcoming reservations. Part 0 also creates
the bureau, the 10 offices and the terms. Loading parts 1…9 on top gives the 10× data set: ten
times the counselors, slots, jobseekers and reservations of the same offices, so every list a
page shows grows tenfold.

Columns the bench does not care about get the model's default, read from the model, so a field
added later does not break the loader.
"""

import datetime as dt
from dataclasses import dataclass

from django.db import connection, models

from bookings.models import Counselor, Reservation, ReservationSource, ReservationStatus, Slot
from consent.models import Consent, ConsentChannel, TermsVersion
from core.calendar import is_closed, tokyo_date, tokyo_day_bounds
from jobseekers.models import Jobseeker, RegistrationStatus
from notifications.models import Notification, NotificationKind, NotificationStatus
from offices.models import Bureau, Office

OFFICES = 10
COUNSELORS_PER_OFFICE = 10
JOBSEEKERS = 20_000
PAST_RESERVATIONS = 50_000
UPCOMING_RESERVATIONS = 6_000
# Jobseekers with k >= FREE_FROM hold no reservation: the bench's clients book as them.
FREE_FROM = 10_000
WEEKS_BACK = 8
WEEKS_AHEAD = 8
# 8:30–12:00 and 13:00–17:00: 15 half-hour slots a day.
SLOT_TIMES = [dt.time(8 + (30 + 30 * i) // 60, (30 + 30 * i) % 60) for i in range(7)] + [
    dt.time(13 + (30 * i) // 60, (30 * i) % 60) for i in range(8)
]
BUREAU_CODE = "bench"


@dataclass(frozen=True)
class Loaded:
    part: int
    counselors: int
    slots: int
    jobseekers: int
    past_reservations: int
    upcoming_reservations: int


def _default(field: models.Field):
    if isinstance(field, (models.DateTimeField, models.DateField)) and (
        getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
    ):
        return "now()", None
    if field.has_default():
        value = field.get_default()
    elif field.null:
        value = None
    elif field.blank and isinstance(field, (models.CharField, models.TextField)):
        value = ""
    else:
        raise ValueError(f"{field.model.__name__}.{field.name} needs a value in the bench loader")
    return "%s", field.get_db_prep_save(value, connection)


def insert_select(model: type[models.Model], values: dict[str, str], source: str, params=()):
    """INSERT INTO model's table SELECT `values` (SQL per column) FROM `source`; returns rowcount.

    The SQL in `values` takes no parameters; every other column gets the model's default.
    """
    columns, exprs, default_params = [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key and isinstance(field, models.AutoField):
            continue
        columns.append(field.column)
        if field.column in values:
            exprs.append(values[field.column])
            continue
        expr, param = _default(field)
        exprs.append(expr)
        if expr == "%s":
            default_params.append(param)
    unknown = set(values) - set(columns)
    if unknown:
        raise ValueError(f"{model.__name__} has no columns {sorted(unknown)}")
    # Table and column names come from the models; values are bound parameters.
    sql = (
        f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "  # noqa: S608
        f"SELECT {', '.join(exprs)} FROM {source}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*default_params, *params])
        return cursor.rowcount


def open_days(today: dt.date) -> list[dt.datetime]:
    """Midnight (Asia/Tokyo) of each open day from WEEKS_BACK before to WEEKS_AHEAD after."""
    first = today - dt.timedelta(weeks=WEEKS_BACK)
    last = today + dt.timedelta(weeks=WEEKS_AHEAD)
    days = []
    day = first
    while day <= last:
        if not is_closed(day):
            days.append(tokyo_day_bounds(day)[0])
        day += dt.timedelta(days=1)
    return days


def _offsets() -> list[dt.timedelta]:
    return [dt.timedelta(hours=t.hour, minutes=t.minute) for t in SLOT_TIMES]


def load_base(now: dt.datetime) -> None:
    """The bureau, its offices and the terms in force (part 0 only)."""
    bureau = Bureau.objects.create(code=BUREAU_CODE, name="ベンチ労働局", name_en="Bench Bureau")
    Office.objects.bulk_create(
        Office(
            bureau=bureau,
            code=f"bench{i:02d}",
            registration_code=f"{39000 + i * 10}",
            name=f"ハローワークベンチ{i:02d}",
            name_en=f"Hello Work Bench {i:02d}",
            phone=f"000-0000-{i:04d}",
            email=f"bench{i:02d}@hellowork.example.jp",
            video_app_name="Zoom",
            video_app_terms_url="https://zoom.example/terms",
            video_app_guide_url="https://zoom.example/guide",
        )
        for i in range(OFFICES)
    )
    TermsVersion.objects.create(
        bureau=bureau,
        label="v1",
        body="利用規約（ベンチ）",
        summary="初版",
        effective_from=now - dt.timedelta(days=365),
        published_at=now - dt.timedelta(days=366),
    )


def _array(ids: list[int]) -> str:
    return "ARRAY[" + ",".join(str(int(i)) for i in ids) + "]::bigint[]"


def load_part(part: int, now: dt.datetime) -> Loaded:
    """Add one part (see the module docstring); part 0 first."""
    if part == 0:
        load_base(now)
    with connection.cursor() as cursor:
        # The loader's rows are consistent by construction (tests/bench checks them): skipping
        # the foreign-key triggers makes the load several times faster. Unique, check and
        # exclusion constraints still hold.
        cursor.execute("SET session_replication_role = replica")
    try:
        return _load_part(part, now)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = DEFAULT")


def _load_part(part: int, now: dt.datetime) -> Loaded:
    bureau = Bureau.objects.get(code=BUREAU_CODE)
    office_ids = list(
        Office.objects.filter(bureau=bureau).order_by("pk").values_list("pk", flat=True)
    )
    terms = TermsVersion.objects.get(bureau=bureau, label="v1")
    offices = _array(office_ids)
    prefix = f"bench-p{part:02d}-"
    n_counselors = OFFICES * COUNSELORS_PER_OFFICE
    today = tokyo_date(now)

    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, "
            "email, is_staff, is_active, date_joined) SELECT '!', false, %s || g, '', '', '', "
            "true, true, now() FROM generate_series(0, %s) g",
            [prefix + "c", n_counselors - 1],
        )
    insert_select(
        Counselor,
        {
            "user_id": "u.id",
            "office_id": f"({offices})[1 + substring(u.username from '[0-9]+$')::int %% {OFFICES}]",
            "display_name": "'相談員 ' || substring(u.username from '[0-9]+$')",
            "meeting_room_url": "'https://zoom.example/j/' || u.id",
            "is_active": "true",
        },
        "auth_user u WHERE u.username LIKE %s",
        [prefix + "c%"],
    )
    counselor_ids = list(
        Counselor.objects.filter(user__username__startswith=prefix + "c").values_list(
            "pk", flat=True
        )
    )
    slots = insert_select(
        Slot,
        {
            "counselor_id": "c.id",
            "office_id": "c.office_id",
            "starts_at": "d + t",
            "ends_at": "d + t + interval '30 minutes'",
            "status": "'open'",
        },
        "bookings_counselor c CROSS JOIN unnest(%s::timestamptz[]) d "
        "CROSS JOIN unnest(%s::interval[]) t WHERE c.id = ANY(%s)",
        [open_days(today), _offsets(), counselor_ids],
    )
    email_prefix = f"js{part:02d}-"
    jobseekers = insert_select(
        Jobseeker,
        {
            "number": f"(39000 + (g %% {OFFICES}) * 10)::text || '-' || "
            f"lpad(({part * 100_000} + g)::text, 8, '0')",
            "family_name": "'ベンチ'",
            "given_name": "'利用者' || g",
            "family_name_kana": "'ベンチ'",
            "given_name_kana": "'リヨウシャ'",
            "email": f"'{email_prefix}' || g || '@example.jp'",
            "email_verified_at": "now()",
            "office_id": f"({offices})[1 + g %% {OFFICES}]",
            "registration_status": f"'{RegistrationStatus.VERIFIED_ROSTER.value}'",
            "registration_valid_until": f"DATE '{(today + dt.timedelta(days=90)).isoformat()}'",
            "verified_at": "now()",
        },
        "generate_series(0, %s) g",
        [JOBSEEKERS - 1],
    )
    insert_select(
        Consent,
        {
            "jobseeker_id": "j.id",
            "terms_version_id": str(int(terms.pk)),
            "given_at": "now() - interval '30 days'",
            "channel": f"'{ConsentChannel.WEB.value}'",
            "video_app_terms_accepted": "true",
        },
        "jobseekers_jobseeker j WHERE j.email LIKE %s",
        [email_prefix + "%"],
    )
    past = _reservations(
        part=part,
        tag="P",
        counselor_ids=counselor_ids,
        email_prefix=email_prefix,
        slot_filter="s.starts_at < %s",
        slot_params=[now],
        per_office=PAST_RESERVATIONS // OFFICES,
    )
    upcoming = _reservations(
        part=part,
        tag="U",
        counselor_ids=counselor_ids,
        email_prefix=email_prefix,
        slot_filter="s.starts_at > %s",
        slot_params=[now + dt.timedelta(days=2)],
        per_office=UPCOMING_RESERVATIONS // OFFICES,
    )
    insert_select(
        Notification,
        {
            "kind": f"'{NotificationKind.INVITATION.value}'",
            "reservation_id": "r.id",
            "jobseeker_id": "r.jobseeker_id",
            "recipient": "j.email",
            "status": f"'{NotificationStatus.SENT.value}'",
            "attempts": "1",
            "idempotency_key": "'bench-invitation-' || r.id",
            "queued_at": "r.created_at",
            "sent_at": "r.created_at",
        },
        "bookings_reservation r JOIN jobseekers_jobseeker j ON j.id = r.jobseeker_id "
        "WHERE r.reference LIKE %s",
        [f"_{part:02d}-%"],
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return Loaded(part, len(counselor_ids), slots, jobseekers, past, upcoming)


def _reservations(
    *,
    part: int,
    tag: str,
    counselor_ids: list[int],
    email_prefix: str,
    slot_filter: str,
    slot_params: list,
    per_office: int,
) -> int:
    """`per_office` reservations in each office, on this part's slots matching `slot_filter`.

    Slots are picked pseudo-randomly; each goes to one of the office's first FREE_FROM / OFFICES
    jobseekers of the part (those from FREE_FROM on stay free for the bench's clients).
    """
    held = FREE_FROM // OFFICES
    status = (
        f"'{ReservationStatus.CONFIRMED.value}'"
        if tag == "U"
        else (
            "CASE WHEN p.rn %% 100 < 80 THEN 'completed' WHEN p.rn %% 100 < 88 THEN 'no_show' "
            "WHEN p.rn %% 100 < 98 THEN 'cancelled' ELSE 'ended_early' END"
        )
    )
    past = tag == "P"
    # Only constants of this module are formatted in; values are bound parameters.
    source = (
        "(SELECT q.*, q.rn %% {held} AS k FROM (SELECT s.id, s.office_id, s.starts_at, "  # noqa: S608
        "row_number() OVER (PARTITION BY s.office_id ORDER BY md5(s.id::text)) - 1 AS rn "
        f"FROM bookings_slot s WHERE s.counselor_id = ANY(%s) AND {slot_filter}) q "
        "WHERE q.rn < %s) p "
        "JOIN (SELECT j.id, j.office_id, row_number() OVER (PARTITION BY j.office_id "
        "ORDER BY j.id) - 1 AS k FROM jobseekers_jobseeker j WHERE j.email LIKE %s) js "
        "ON js.office_id = p.office_id AND js.k = p.k"
    ).replace("{held}", str(held))
    ended = "p.starts_at + interval '30 minutes'"
    values = {
        "reference": f"'{tag}{part:02d}-' || lpad(p.id::text, 7, '0')",
        "jobseeker_id": "js.id",
        "slot_id": "p.id",
        "office_id": "p.office_id",
        "starts_at": "p.starts_at",
        "status": f"({status})",
        "source": f"'{ReservationSource.WEB.value}'",
        "environment_checklist": "'{\"secure_device\": true}'::jsonb",
        "meeting_url": "'https://zoom.example/j/' || p.id",
        "access_nonce": "md5('n' || p.id)",
        "access_token_hash": "md5('a' || p.id) || md5('b' || p.id)",
        "created_at": "p.starts_at - interval '5 days'",
        "updated_at": "p.starts_at - interval '5 days'",
    }
    if past:
        values |= {
            "started_at": "CASE WHEN p.rn %% 100 < 80 OR p.rn %% 100 >= 98 THEN p.starts_at END",
            "ended_at": f"CASE WHEN p.rn %% 100 < 80 OR p.rn %% 100 >= 98 THEN {ended} END",
            "cancelled_at": "CASE WHEN p.rn %% 100 BETWEEN 88 AND 97 "
            "THEN p.starts_at - interval '1 day' END",
            "cancel_channel": "CASE WHEN p.rn %% 100 BETWEEN 88 AND 97 THEN 'phone' ELSE '' END",
            "no_show_at": "CASE WHEN p.rn %% 100 BETWEEN 80 AND 87 "
            "THEN p.starts_at + interval '10 minutes' END",
        }
    return insert_select(
        Reservation, values, source, [counselor_ids, *slot_params, per_office, email_prefix + "%"]
    )
