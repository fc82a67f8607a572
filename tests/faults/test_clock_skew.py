"""A sweep on a host whose clock runs 400 s ahead, while jobseekers book (issue 16, item 8).

Before: with one worker's clock 400 s ahead, its no-show sweep marked reservations no-show 4.9
to 9.9 real minutes after their start (the rule is 10) and stored a future `no_show_at`, and its
outbox sweep took every send under way for a dead one and re-queued it (2 of 120 invitations
sent twice). Now every deadline that compares times written by different hosts is read on the
database's clock.

Here the sweeps beat runs every minute (no-shows, outbox, reminders) run several times in a
process whose clock is 400 s ahead (time-machine; PostgreSQL's is right) while bookings go on
and sends are in flight (every fourth address is answered 2 s late; the stack's lease is 10 s,
well inside the 400 s). Reservations of another office began 5, 9,
10.5 and 20 minutes ago on the database's clock.
"""

import pytest

from .checks import assert_held, report
from .load import BookingLoad

pytestmark = pytest.mark.faults

SKEW = 400
MINUTES = [5, 9, 10.5, 20]


def test_sweeps_on_a_clock_400_s_ahead_during_bookings(stack_factory):
    stack = stack_factory(env={"HW_MAIL_SLOW": "2"})
    started = stack.manage("started", f"--minutes={','.join(map(str, MINUTES))}")
    plan = stack.seed(200, prefixes="lateanswer,faults,faults,faults")
    load = BookingLoad(stack.url, plan, clients=4).start()
    # Three rounds, each while a send is under way (in one process: one Django start-up).
    sweeps = stack.manage("sweeps", "--times=3", "--pause=1", HW_CLOCK_SHIFT=str(SKEW))
    bookings = load.finish()
    # The rest is sent by a worker whose provider answers at once (the slow one stopped warm).
    stack.worker.stop()
    stack.start_worker(HW_MAIL_SLOW="0")
    settled = stack.invitations_settled()
    result = report(
        stack, "sweeps-400s-ahead", bookings, sweeps=sweeps, outbox_after_sweeps=settled
    )
    result.save()
    # The sweeps really ran on a clock 400 s ahead of the database's, with sends in flight.
    assert all(s["process_clock_ahead_seconds"] > SKEW - 60 for s in sweeps), sweeps
    assert all(s["sends_in_flight"] > 0 for s in sweeps), f"{sweeps}\n{stack.logs()}"
    # No live send taken for a dead one: nothing re-sent, every invitation exactly once.
    assert_held(result, duplicates_allowed=0)

    rows = stack.sql(
        "SELECT id, status, no_show_at <= now() FROM bookings_reservation WHERE id = ANY(%s)",
        (list(started.values()),),
    )
    by_id = {pk: (status, not_future) for pk, status, not_future in rows}
    for minutes, pk in started.items():
        status, not_future = by_id[pk]
        if float(minutes) < 10:
            assert status == "confirmed", (minutes, status, sweeps)
        else:
            assert status == "no_show" and not_future, (minutes, status, sweeps)
