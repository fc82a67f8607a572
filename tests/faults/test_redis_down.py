"""Redis stopped for 30 seconds while jobseekers book (issue 16, item 1).

Before: every booking POST, day page and calendar answered 500 for the whole outage. Now the
cache misses (the database answers), sessions are PostgreSQL's, the rate limits count per
process, and the send tasks the broker could not take are sent by the outbox sweep once Redis
is back (empty: without persistence its queue is lost too).
"""

import time

import pytest

from .checks import assert_held, report
from .load import BookingLoad

pytestmark = pytest.mark.faults

OUTAGE = 30.0


def test_bookings_go_on_while_redis_is_down_for_30_seconds(stack_factory):
    stack = stack_factory()
    load = BookingLoad(stack.url, stack.seed(700), clients=6, pause=0.3).start()
    time.sleep(3)
    before = load.count()
    stack.redis.stop()
    stopped_at = time.monotonic()
    time.sleep(OUTAGE)
    during = load.count() - before
    stack.redis.start()  # the same port, empty
    outage = time.monotonic() - stopped_at
    time.sleep(2)  # bookings go on with Redis back
    bookings = load.finish()
    settled = stack.invitations_settled()
    result = report(
        stack,
        "redis-down-30s",
        bookings,
        outage_seconds=round(outage, 1),
        bookings_finished_before_the_outage=before,
        bookings_finished_during_the_outage=during,
        outbox_after_sweeps=settled,
    )
    result.save()
    assert during > 0, f"no booking finished while Redis was down\n{result}\n{stack.logs()}"
    assert_held(result)
