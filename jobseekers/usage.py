"""Usage records of the public pages (Art 7): writing, purging and exporting them."""

import datetime as dt
import ipaddress
import re
from collections.abc import Iterator
from urllib.parse import parse_qsl

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.calendar import TOKYO, tokyo_day_bounds
from core.dates import date_check
from core.errors import DomainError
from core.sql import db_now

from .logscrub import EMAIL_PLACEHOLDER, EMAIL_RE, NUMBER_PLACEHOLDER, NUMBER_RE
from .models import AuditAction, Jobseeker, UsageExport, UsageRecord
from .services import audit_record


class ExportReasonRequired(DomainError):
    code = "export_reason_required"
    default_message = _("Give the reason for the export.")


# URL parameters whose value is kept; any other parameter keeps its name only.
SAFE_QUERY_KEYS = frozenset({"page", "date", "week", "month", "office", "lang", "language"})
# A URL keyword whose name says it carries a secret (a link token, a signature).
SECRET_KWARG_RE = re.compile(r"token|key|secret|signature|sig|hash|uid|code|nonce", re.I)
# A path segment that looks random enough to be a secret, whatever the URL pattern.
SECRET_SEGMENT_RE = re.compile(
    r"(?<=/)(?=[A-Za-z0-9_.~-]*[0-9])(?=[A-Za-z0-9_.~-]*[A-Za-z])[A-Za-z0-9_.~-]{16,}(?=/|$)"
)
MAX_PATH = 500


CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")


def clean_path(path: str, query: str = "", kwargs: dict | None = None) -> str:
    """The path as recorded: no link tokens, no query secrets, no number or email typed in it."""
    for name, value in (kwargs or {}).items():
        text = str(value)
        if text and SECRET_KWARG_RE.search(name):
            path = path.replace(text, f"<{name}>")
    path = SECRET_SEGMENT_RE.sub("<token>", path)
    path = NUMBER_RE.sub(NUMBER_PLACEHOLDER, path)
    path = EMAIL_RE.sub(EMAIL_PLACEHOLDER, path)
    if query:
        parts = []
        for key, value in parse_qsl(query, keep_blank_values=True):
            if key in SAFE_QUERY_KEYS and len(value) <= 20 and value.isalnum():
                parts.append(f"{key}={value}")
            else:
                parts.append(f"{key}=<removed>")
        if parts:
            path = f"{path}?{'&'.join(parts)}"
    return path[:MAX_PATH]


def _first(patterns: list[tuple[str, str]], user_agent: str, default: str) -> str:
    for needle, family in patterns:
        if needle in user_agent:
            return family
    return default


_BOTS = ("bot", "crawl", "spider", "slurp", "curl/", "wget/", "python-", "headless")
_OS = [
    ("windows phone", "Windows Phone"),
    ("iphone", "iOS"),
    ("ipad", "iOS"),
    ("ipod", "iOS"),
    ("android", "Android"),
    ("cros", "ChromeOS"),
    ("windows", "Windows"),
    ("mac os x", "macOS"),
    ("macintosh", "macOS"),
    ("linux", "Linux"),
]
_BROWSERS = [
    ("edg", "Edge"),
    ("line/", "LINE"),
    ("samsungbrowser", "Samsung Internet"),
    ("opr/", "Opera"),
    ("firefox", "Firefox"),
    ("fxios", "Firefox"),
    ("crios", "Chrome"),
    ("chrome", "Chrome"),
    ("safari", "Safari"),
]


def classify_user_agent(user_agent: str) -> tuple[str, str, str]:
    """(device, OS, browser) families: coarse enough that no device can be told apart (Art 7(2))."""
    ua = user_agent.lower()
    if not ua:
        return "unknown", "Other", "Other"
    if any(bot in ua for bot in _BOTS):
        device = "bot"
    elif "ipad" in ua or "tablet" in ua or ("android" in ua and "mobile" not in ua):
        device = "tablet"
    elif "mobile" in ua or "iphone" in ua or "ipod" in ua or "android" in ua:
        device = "mobile"
    else:
        device = "desktop"
    return device, _first(_OS, ua, "Other"), _first(_BROWSERS, ua, "Other")


def _printable(text: str) -> str:
    return CONTROL_RE.sub("\ufffd", text)


def usage_record_write(
    *,
    method: str,
    path: str,
    status: int,
    ip_address: str | None,
    user_agent: str,
    jobseeker_id: int | None = None,
    now: dt.datetime | None = None,
) -> UsageRecord:
    """Record one public-page request; `path` must already be cleaned (`clean_path`).

    Control characters (a NUL in a typed URL or header, which PostgreSQL text refuses) are
    replaced, so whatever a client sends is recorded rather than lost.
    """
    path, user_agent = _printable(path), _printable(user_agent)
    device, os_family, browser = classify_user_agent(user_agent)
    return UsageRecord.objects.create(
        at=now or timezone.now(),
        method=method[:10],
        path=path[:MAX_PATH],
        status=status,
        ip_address=_valid_ip(ip_address),
        user_agent=user_agent[:400],
        device_family=device,
        os_family=os_family,
        browser_family=browser,
        jobseeker_id=jobseeker_id,
    )


def _valid_ip(value: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address(value)) if value else None
    except ValueError:
        return None


PURGE_BATCH = 10_000


def usage_records_purge(*, now: dt.datetime | None = None, days: int | None = None) -> int:
    """Delete usage records older than the retention period (Art 7); returns how many.

    The period is counted on the database's clock (`now` is for tests).
    """
    now = now or db_now()
    days = days if days is not None else settings.USAGE_RECORD_RETENTION_DAYS
    cutoff = now - dt.timedelta(days=days)
    deleted = 0
    while True:
        # In batches: a year's first purge must not hold one huge lock.
        ids = list(
            UsageRecord.objects.filter(at__lt=cutoff).values_list("pk", flat=True)[:PURGE_BATCH]
        )
        if not ids:
            return deleted
        deleted += UsageRecord.objects.filter(pk__in=ids).delete()[0]


def usage_records_in(
    *,
    records: QuerySet[UsageRecord],
    since: dt.date,
    until: dt.date,
    jobseeker: Jobseeker | None = None,
) -> QuerySet[UsageRecord]:
    """Those of `records` (the reader's scope) from `since` to `until`, days in Asia/Tokyo."""
    start, end = tokyo_day_bounds(since, until)
    records = records.filter(at__gte=start, at__lt=end)
    if jobseeker is not None:
        records = records.filter(jobseeker=jobseeker)
    return records


EXPORT_COLUMNS = [
    "time",
    "method",
    "path",
    "status",
    "ip_address",
    "user_agent",
    "device",
    "os",
    "browser",
    "jobseeker_number",
]
# A spreadsheet runs a cell that starts with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(_FORMULA_START) else text


MIN_REASON_LENGTH = 8


def usage_export(
    *,
    actor,
    records: QuerySet[UsageRecord],
    reason: str,
    since: dt.date,
    until: dt.date,
    jobseeker: Jobseeker | None = None,
    now: dt.datetime | None = None,
) -> tuple[UsageExport, Iterator[list[str]]]:
    """Record an export and why (Art 7(2)), then give its rows (header first) for a CSV.

    `records` are the records the actor may read, from the one scoping rule
    (`offices.admin_scope.scoped_queryset`), never all of them: a bureau exports its own
    jobseekers' records only (Art 9). The export row and its audit entry are committed before
    any record is read, so an export is never made without a trace.
    """
    now = now or timezone.now()
    reason = reason.strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise ExportReasonRequired()
    date_check(since, now=now)
    date_check(until, now=now)
    records = usage_records_in(records=records, since=since, until=until, jobseeker=jobseeker)
    with transaction.atomic():
        export = UsageExport.objects.create(
            at=now,
            actor=actor,
            reason=reason,
            since=since,
            until=until,
            jobseeker=jobseeker,
            row_count=records.count(),
        )
        audit_record(
            action=AuditAction.EXPORT,
            actor=actor,
            jobseeker=jobseeker,
            target=f"usage_export:{export.pk}",
            detail=f"usage records {since.isoformat()}..{until.isoformat()}",
            now=now,
        )

    def rows() -> Iterator[list[str]]:
        yield EXPORT_COLUMNS
        for record in records.select_related("jobseeker").order_by("at").iterator(2000):
            yield [
                _cell(v)
                for v in (
                    record.at.astimezone(TOKYO).isoformat(),
                    record.method,
                    record.path,
                    record.status,
                    record.ip_address,
                    record.user_agent,
                    record.device_family,
                    record.os_family,
                    record.browser_family,
                    record.jobseeker.number if record.jobseeker else "",
                )
            ]

    return export, rows()
