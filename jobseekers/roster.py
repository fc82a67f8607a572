"""Importing an office's roster (求職番号, 氏名, valid-until[, email]): all rows or none (Art 2(1)).

The file is what Japanese Excel writes: CSV in UTF-8 with or without a BOM, or Shift_JIS
(CP932). Every row is checked first; one bad row imports nothing. Staff see a preview with
the problem of each row before anything is written.
"""

import csv
import datetime as dt
import io
import re
import unicodedata
from dataclasses import dataclass, field

import jaconv
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.calendar import TOKYO, format_jp_date, tokyo_date
from core.dates import date_is_sensible, date_range_message
from core.errors import DomainError
from core.wareki import DateInputError, parse_date
from offices.models import Office, RosterOtherOffice
from offices.roles import recorded_user

from .models import AuditAction, EmailProblem, Jobseeker, RegistrationStatus, RosterEntry
from .numbers import normalize_jobseeker_number
from .services import audit_record, jobseeker_verify

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 10_000
ENCODINGS = ["utf-8-sig", "cp932"]


class RosterError(DomainError):
    code = "roster_invalid"
    default_message = _("The roster has problems; nothing was imported.")


@dataclass
class RosterRow:
    line: int
    cells: list[str]
    number: str = ""
    name: str = ""
    valid_until: dt.date | None = None
    email: str = ""
    jobseeker_id: int | None = None
    # The matched jobseeker's address differs from the roster's, which the import sets.
    sets_email: bool = False
    errors: list[str] = field(default_factory=list)
    # Shown in the preview; they do not stop the import.
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def valid_until_label(self) -> str:
        """The date as staff read it: 2027年3月31日（水）, or Wed 31 Mar 2027 in English."""
        return format_jp_date(self.valid_until) if self.valid_until else ""


@dataclass
class RosterPreview:
    rows: list[RosterRow]
    encoding: str = ""
    file_errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not self.file_errors and all(row.ok for row in self.rows)

    @property
    def error_count(self) -> int:
        return len(self.file_errors) + sum(1 for row in self.rows if not row.ok)

    @property
    def matched_count(self) -> int:
        return sum(1 for row in self.rows if row.jobseeker_id is not None)


def roster_decode(data: bytes) -> tuple[str, str]:
    """(text, encoding) of an uploaded roster; RosterError when it is not a CSV text file."""
    if not data.strip():
        raise RosterError(_("The file is empty."))
    if len(data) > MAX_BYTES:
        raise RosterError(_("The file is larger than 2 MB."))
    if b"\x00" in data:
        raise RosterError(
            _("This is not a CSV text file. In Excel, save it as CSV (UTF-8 or Shift_JIS).")
        )
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise RosterError(
        _("The file's encoding could not be read. In Excel, save it as CSV (UTF-8 or Shift_JIS).")
    )


def _squash(text: str) -> str:
    """A name compared without spaces, width or kana differences."""
    text = unicodedata.normalize("NFKC", text)
    return jaconv.hira2kata(re.sub(r"\s+", "", text))


def _noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=TOKYO)


def _is_header(cells: list[str]) -> bool:
    first = unicodedata.normalize("NFKC", cells[0]).strip() if cells else ""
    return bool(first) and not re.search(r"\d", first)


def roster_read(text: str) -> list[tuple[int, list[str]]]:
    """The non-blank rows of the CSV as (file line, cells), header dropped; RosterError when it
    has too many. The line is the one a person sees in a text editor or Excel (the header is
    line 1), where the row starts (a quoted cell may span lines)."""
    reader = csv.reader(io.StringIO(text))
    rows = []
    start = 1
    for row in reader:
        if any(cell.strip() for cell in row):
            rows.append((start, [cell.strip() for cell in row]))
        start = reader.line_num + 1
    if rows and _is_header(rows[0][1]):
        rows = rows[1:]
    if len(rows) > MAX_ROWS:
        raise RosterError(_("A roster may have at most 10,000 rows."))
    return rows


def roster_check(
    *,
    rows: list[tuple[int, list[str]]],
    office: Office,
    today: dt.date,
    jobseekers: QuerySet[Jobseeker],
) -> RosterPreview:
    """Check every row; the preview lists each row's problems (nothing is written).

    `jobseekers` are those the importing staff member may read (the one scoping rule,
    `offices.admin_scope.scoped_queryset`). A number registered outside them reads exactly
    as a number nobody registered: the preview tells no one who is registered with an office
    they do not see (Art 9), and such a row verifies no one (only this office's are matched).
    """
    checked: list[RosterRow] = []
    for line, cells in rows:
        row = RosterRow(line=line, cells=list(cells))
        checked.append(row)
        while cells and not cells[-1]:
            cells = cells[:-1]
        if len(cells) not in (3, 4):
            row.errors.append(
                str(
                    _(
                        "Each row has three columns: jobseeker number, name, valid until; "
                        "and may have a fourth, the email address."
                    )
                )
            )
            continue
        raw_number, raw_name, raw_date = cells[:3]
        row.email = cells[3].strip() if len(cells) == 4 else ""
        if row.email:
            try:
                validate_email(row.email)
            except ValidationError:
                row.errors.append(str(_("The email address is not valid.")))
        try:
            row.number = normalize_jobseeker_number(raw_number)
        except ValidationError as exc:
            row.errors.extend(str(message) for message in exc.messages)
        else:
            prefix = row.number.split("-", 1)[0]
            if office.registration_code and prefix != office.registration_code:
                if office.roster_other_office == RosterOtherOffice.REFUSE:
                    row.errors.append(
                        str(
                            _(
                                "Line %(line)s: the number %(number)s begins with %(prefix)s, "
                                "not with this office's %(code)s, and this office refuses "
                                "other offices' numbers in its roster: remove the line."
                            )
                            % {
                                "line": line,
                                "number": row.number,
                                "prefix": prefix,
                                "code": office.registration_code,
                            }
                        )
                    )
                else:
                    row.warnings.append(
                        str(
                            _(
                                "This number begins with %(prefix)s, not with this office's "
                                "%(code)s: check that the row belongs in this office's roster."
                            )
                            % {"prefix": prefix, "code": office.registration_code}
                        )
                    )
        row.name = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", raw_name)).strip()[:100]
        if not row.name:
            row.errors.append(str(_("The name is missing.")))
        try:
            row.valid_until = parse_date(raw_date)
        except DateInputError as exc:
            if exc.code in ("empty", "format"):
                row.errors.append(
                    str(_("The date is not a date such as 2027/03/31 or R9.3.31 (令和9年3月31日)."))
                )
            else:
                row.errors.append(str(exc.message))
        else:
            if row.valid_until < today:
                row.errors.append(str(_("The registration ended before today.")))
            elif not date_is_sensible(row.valid_until, now=_noon(today)):
                row.errors.append(date_range_message(now=_noon(today)))
    seen: dict[str, int] = {}
    for row in checked:
        if not row.number:
            continue
        if row.number in seen:
            row.errors.append(
                str(_("This number is already on row %(line)s.") % {"line": seen[row.number]})
            )
        else:
            seen[row.number] = row.line
    known = {
        jobseeker.number: jobseeker
        for jobseeker in jobseekers.filter(number__in=list(seen))
        .select_related(None)
        .only(
            "pk",
            "number",
            "office_id",
            "family_name",
            "given_name",
            "family_name_kana",
            "given_name_kana",
            "email",
        )
    }
    for row in checked:
        jobseeker = known.get(row.number)
        if jobseeker is None:
            continue
        if jobseeker.office_id != office.pk:
            row.errors.append(str(_("This number is registered with another office.")))
            continue
        names = {_squash(jobseeker.full_name), _squash(jobseeker.full_name_kana)}
        if row.name and _squash(row.name) not in names:
            row.errors.append(
                str(_("The name differs from the one the jobseeker registered with this number."))
            )
            continue
        row.jobseeker_id = jobseeker.pk
        row.sets_email = bool(row.email) and row.email.casefold() != jobseeker.email.casefold()
    return RosterPreview(rows=checked)


def roster_preview(
    *, data: bytes, office: Office, today: dt.date, jobseekers: QuerySet[Jobseeker]
) -> RosterPreview:
    """Decode, read and check an uploaded file; file-level problems land in `file_errors`."""
    try:
        text, encoding = roster_decode(data)
        rows = roster_read(text)
    except RosterError as exc:
        return RosterPreview(rows=[], file_errors=[str(exc.message)])
    preview = roster_check(rows=rows, office=office, today=today, jobseekers=jobseekers)
    preview.encoding = encoding
    if not rows:
        preview.file_errors.append(str(_("The file has no rows.")))
    return preview


def roster_import(
    *,
    rows: list[list[str]],
    office: Office,
    actor,
    jobseekers: QuerySet[Jobseeker],
    now: dt.datetime | None = None,
) -> RosterPreview:
    """Write the roster: every row or none. Returns the checked rows; RosterError if any is bad.

    The rows are checked again here, inside the transaction: a preview is only advice.
    Matching jobseekers are verified through `jobseeker_verify`, and get the row's email
    address if it has one (the office binds it); every row is kept as a RosterEntry, which
    staff see beside registration requests for its number, and whose address lets a first
    visit that proves it sign in.
    """
    now = now or timezone.now()
    with transaction.atomic():
        preview = roster_check(
            rows=rows, office=office, today=tokyo_date(now), jobseekers=jobseekers
        )
        if not preview.ok:
            lines = [str(row.line) for row in preview.rows if not row.ok]
            raise RosterError(
                _("The roster has problems on lines %(lines)s; nothing was imported.")
                % {"lines": ", ".join(lines)}
                if lines
                else None
            )
        for row in preview.rows:
            RosterEntry.objects.update_or_create(
                office=office,
                number=row.number,
                defaults={
                    "full_name": row.name,
                    "valid_until": row.valid_until,
                    "email": row.email,
                    "imported_at": now,
                    "imported_by": recorded_user(actor),
                },
            )
            if row.sets_email:
                Jobseeker.objects.filter(pk=row.jobseeker_id).update(
                    email=row.email,
                    email_bound_at=now,
                    email_verified_at=None,
                    email_problem=EmailProblem.NONE,
                    email_problem_at=None,
                    updated_at=now,
                )
                audit_record(
                    action=AuditAction.CHANGE,
                    actor=actor,
                    jobseeker=Jobseeker(pk=row.jobseeker_id),
                    target=f"jobseeker:{row.jobseeker_id}",
                    detail="roster import: email address",
                    now=now,
                )
            if row.jobseeker_id is not None:
                jobseeker_verify(
                    jobseeker=row.jobseeker_id,
                    actor=actor,
                    valid_until=row.valid_until,
                    status=RegistrationStatus.VERIFIED_ROSTER,
                    now=now,
                )
    return preview


def roster_entry_for_request(*, request, today: dt.date) -> RosterEntry | None:
    """The roster row of the request's office and number still running, if its name is the
    name or the reading the request gives (advice for staff: a roster vouches for a
    registration, not for who typed its number)."""
    entry = RosterEntry.objects.filter(
        office_id=request.office_id, number=request.number, valid_until__gte=today
    ).first()
    if entry is None:
        return None
    names = {_squash(request.full_name), _squash(request.full_name_kana)}
    return entry if _squash(entry.full_name) in names else None


def roster_entry_binding(
    *, office: Office, number: str, email: str, names: tuple[str, ...], today: dt.date
) -> RosterEntry | None:
    """The roster row that carries `email` for `number`, still running and under one of
    `names` (kanji or reading): the office's word that the address is the registration's."""
    entry = RosterEntry.objects.filter(office=office, number=number, valid_until__gte=today).first()
    if entry is None or not entry.email or entry.email.casefold() != email.strip().casefold():
        return None
    return entry if _squash(entry.full_name) in {_squash(name) for name in names} else None
