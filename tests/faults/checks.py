"""What every fault scenario must hold, and the figures it reports."""

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .load import Booking, statuses
from .stack import ROOT, Stack

ARTIFACTS = ROOT / "test-artifacts" / "faults"


@dataclass
class Report:
    scenario: str
    attempted: int
    confirmed_by_clients: int
    committed: int
    statuses: dict[str, int]
    wrong_503_pages: int
    failures: list[str]
    unconfirmed_commits: list[str]
    invitations: dict[str, int]
    sent_per_booking: dict[int, int]  # emails handed to the provider: bookings with that many
    notes: dict = field(default_factory=dict)

    def save(self) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{self.scenario}.json"
        path.write_text(json.dumps(asdict(self), ensure_ascii=False, indent=2) + "\n")
        return path

    def __str__(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=1)


def report(
    stack: Stack,
    scenario: str,
    bookings: list[Booking],
    *,
    sent: Counter | None = None,
    **notes,
) -> Report:
    """Read the database and the provider's log after the load; nothing is asserted here.

    Only the reservations and invitations of the load's jobseekers count (a scenario may add
    others: reservations already under way for the no-show sweep). `sent`: emails accepted per
    recipient, when a scenario's provider is not the recording one (a real SMTP server).
    """
    people = [b.jobseeker for b in bookings]
    committed = stack.sql(
        "SELECT r.reference, r.jobseeker_id FROM bookings_reservation r "
        "WHERE r.status = 'confirmed' AND r.jobseeker_id = ANY(%s)",
        (people,),
    )
    seen = {(b.reference, b.jobseeker) for b in bookings if b.confirmed}
    invitations = dict(
        stack.sql(
            "SELECT status, count(*) FROM notifications_notification "
            "WHERE kind = 'invitation' AND jobseeker_id = ANY(%s) GROUP BY status",
            (people,),
        )
    )
    rows_per_reservation = stack.sql(
        "SELECT count(n.id) FROM bookings_reservation r LEFT JOIN notifications_notification n "
        "ON n.reservation_id = r.id AND n.kind = 'invitation' "
        "WHERE r.status = 'confirmed' AND r.jobseeker_id = ANY(%s) "
        "GROUP BY r.id HAVING count(n.id) <> 1",
        (people,),
    )
    web_log = stack.web.log.read_text(errors="replace") if stack.web is not None else ""
    notes = {
        "bookings sent again and shown (AlreadyBooked)": web_log.count("booking sent again"),
        "sessions not saved after a committed booking": web_log.count(
            "session not saved after a committed request"
        ),
        **notes,
    }
    if sent is None:
        sent = Counter(line["to"] for line in stack.mail_log() if line.get("result") == "sent")
    emails = {b.email for b in bookings if b.confirmed}
    per_booking = Counter(sent.get(email, 0) for email in emails)
    return Report(
        scenario=scenario,
        attempted=len(bookings),
        confirmed_by_clients=len(seen),
        committed=len(committed),
        statuses={
            f"{step} {status}": n for (step, status), n in sorted(statuses(bookings).items())
        },
        wrong_503_pages=sum(1 for b in bookings for s in b.steps if s.status == 503 and s.note),
        failures=[f"{b.email}: {b.failure}" for b in bookings if b.failure],
        unconfirmed_commits=sorted(ref for ref, js in committed if (ref, js) not in seen),
        invitations={
            **invitations,
            "reservations without exactly one row": len(rows_per_reservation),
        },
        sent_per_booking=dict(sorted(per_booking.items())),
        notes=notes,
    )


def assert_held(result: Report, *, duplicates_allowed: int = 0) -> None:
    """Every booking that committed reached its confirmation, nothing was lost, no error page
    but the 503 (right language, Retry-After), and one invitation each (at most
    `duplicates_allowed` bookings got a second copy: the window docs/notifications.md names)."""
    bad_statuses = {
        key: n
        for key, n in result.statuses.items()
        if not key.endswith((" 200", " 302", " 503", " 0"))
    }
    assert not bad_statuses, f"answers other than 200/302/503: {bad_statuses}\n{result}"
    assert result.wrong_503_pages == 0, (
        f"503 pages in the wrong language or without Retry-After\n{result}"
    )
    assert not result.failures, f"bookings that did not reach their confirmation\n{result}"
    assert not result.unconfirmed_commits, f"committed, confirmation never shown\n{result}"
    assert result.committed == result.confirmed_by_clients == result.attempted, str(result)
    assert result.invitations.get("sent", 0) == result.committed, str(result)
    assert result.invitations["reservations without exactly one row"] == 0, str(result)
    assert set(result.sent_per_booking) <= {1, 2}, str(result)
    assert result.sent_per_booking.get(2, 0) <= duplicates_allowed, str(result)
