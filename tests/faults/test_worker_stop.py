"""Workers TERMed and killed while jobseekers book (issue 16, item 7).

Before: a TERM to the worker's whole process group (systemd's default KillMode=control-group)
killed the pool children mid-send, and 4 invitations went out twice, 5.6 minutes apart. Now a
pool child ignores TERM and finishes its send (config/celery.py): a TERM to the main process
(docker stop, KillMode=mixed) or to the group is the same warm shutdown, and nothing goes twice.
Only SIGKILL between the provider's acceptance and the row's `sent` mark leaves a second copy:
the one window docs/notifications.md names, with the same Message-ID, a lease later.

One stack, one load, three faults in turn: TERM to the main process, TERM to the group, then
SIGKILL; a new worker each time. Every fourth jobseeker's address is `lateanswer…`: the
provider accepts it at once and answers 1.5 s later (tests/notifications/mail_backend.py), so
each fault finds sends in flight.
"""

import signal
import time

import pytest

from tests.servers import wait_for

from .checks import assert_held, report
from .load import BookingLoad
from .stack import LEASE

pytestmark = pytest.mark.faults

SLOW = {"HW_MAIL_SLOW": "1.5"}


def _in_flight(stack) -> list[str]:
    """`lateanswer…` recipients the provider accepted whose answer has not come back to the
    worker yet (the others are answered at once, with no line of their own)."""
    lines = [line for line in stack.mail_log() if line["to"].startswith("lateanswer")]
    answered = {line["to"] for line in lines if line["result"] == "answered"}
    return [line["to"] for line in lines if line["result"] == "sent" and line["to"] not in answered]


def _statuses(stack, recipients) -> dict[str, str]:
    return dict(
        stack.sql(
            "SELECT recipient, status FROM notifications_notification WHERE recipient = ANY(%s)",
            (list(recipients),),
        )
    )


def test_workers_termed_and_killed_during_bookings(stack_factory):
    stack = stack_factory(env=SLOW)
    load = BookingLoad(
        stack.url, stack.seed(300, prefixes="lateanswer,faults,faults,faults"), clients=4
    ).start()
    termed = {}
    for fault, group in (("TERM main process", False), ("TERM process group", True)):
        in_flight = wait_for(lambda: _in_flight(stack), timeout=30)
        assert in_flight, f"no send in flight before the {fault}\n{stack.logs()}"
        worker = stack.worker
        began = time.monotonic()
        worker.signal(signal.SIGTERM, group=group)
        # A warm shutdown: the running sends (1.5 s answers) finish, then the worker exits.
        assert worker.wait_exit(timeout=30) is not None, f"{fault}\n{worker.tail(60)}"
        termed[fault] = {"in flight": len(in_flight), "exit_seconds": time.monotonic() - began}
        assert set(_statuses(stack, in_flight).values()) == {"sent"}, (fault, in_flight)
        stack.start_worker()

    in_flight = wait_for(lambda: _in_flight(stack), timeout=30)
    assert in_flight, f"no send in flight before the kill\n{stack.logs()}"
    stack.worker.kill()  # SIGKILL to the group: nothing gets to clean up
    killed_at = time.time()
    # In the window: the provider has it, the row does not say so.
    accepted = {line["to"] for line in stack.mail_log() if line["result"] == "sent"}
    in_window = {to for to, status in _statuses(stack, accepted).items() if status == "sending"}
    assert in_window, f"the kill caught no send in the window\n{stack.logs()}"
    stack.start_worker(HW_MAIL_SLOW="0")
    bookings = load.finish()
    settled = stack.invitations_settled()
    result = report(
        stack,
        "worker-term-and-kill",
        bookings,
        termed=termed,
        killed_in_the_window=len(in_window),
        outbox_after_sweeps=settled,
    )
    result.save()
    assert_held(result, duplicates_allowed=len(in_window))

    lines = [line for line in stack.mail_log() if line["result"] == "sent"]
    twice = {to for to in {line["to"] for line in lines} if sum(x["to"] == to for x in lines) > 1}
    assert twice == in_window, result  # a second copy for exactly the sends caught in it
    for to in twice:
        first, second = (line for line in lines if line["to"] == to)
        assert first["message_id"] == second["message_id"] != ""
        # Re-sent by the sweep once the lease ran out, not before.
        assert second["at"] - first["at"] >= LEASE
        assert first["at"] <= killed_at
