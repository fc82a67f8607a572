"""A mail server that hangs while jobseekers book (issue 16, item 5).

The portal sends through a real SMTP server (production's SMTP backend, EMAIL_TIMEOUT=3 s):
every sixth jobseeker's first message is held 20 s and then refused (a hung server), every
sixth other one gets 451 once. The bookings do not notice (no page sends mail; the web never
talks to the server), the worker gives each hung attempt up after its timeout and tries again
soon, the other pool process goes on sending meanwhile, and every invitation arrives once.
tests/notifications/test_hanging_smtp.py holds the web's side with a server that never
answers at all (sign-in requests and pages while it hangs).
"""

from collections import Counter

import pytest

from .checks import assert_held, report
from .load import BookingLoad
from .services import SmtpServer

pytestmark = pytest.mark.faults

HANG = 20.0
TIMEOUT = 3


def test_a_hanging_mail_server_during_bookings(stack_factory):
    with SmtpServer(hang_seconds=HANG) as smtp:
        stack = stack_factory(
            env={
                "FAULTS_MAIL": "provider",  # production's SMTP backend, not the recording one
                "EMAIL_PROVIDER": "smtp",
                "EMAIL_HOST": "127.0.0.1",
                "EMAIL_PORT": str(smtp.port),
                "EMAIL_USE_TLS": "false",
                "EMAIL_TIMEOUT": str(TIMEOUT),
            }
        )
        plan = stack.seed(48, prefixes="hang,faults,faults,busy,faults,faults")
        bookings = BookingLoad(stack.url, plan, clients=4).start().finish(drain=True)
        settled = stack.invitations_settled()
        delivered = smtp.delivered()
        started = smtp.data_started()
    sent = Counter(d.to for d in delivered)
    result = report(
        stack,
        "smtp-hang",
        bookings,
        sent=sent,
        slowest_booking_post_seconds=round(
            max(s.seconds for b in bookings for s in b.steps if s.name == "booking"), 2
        ),
        outbox_after_sweeps=settled,
    )
    result.save()
    assert_held(result)

    attempts = dict(
        stack.sql(
            "SELECT recipient, attempts FROM notifications_notification "
            "WHERE kind = 'invitation' AND (recipient LIKE 'hang%%' OR recipient LIKE 'busy%%')"
        )
    )
    assert attempts and set(attempts.values()) == {2}, attempts
    hung = {to: times for to, times in started.items() if to.startswith("hang")}
    assert hung
    for to, (first, second) in hung.items():
        # Given up after the timeout and tried again (behind the sends queued meanwhile), long
        # before the server would have answered; not left to a sweep either.
        assert second - first < HANG, (to, second - first)
    # While one pool process waited on the hung server, the other kept sending.
    assert any(
        first < d.at < first + TIMEOUT
        for first, _ in hung.values()
        for d in delivered
        if not d.to.startswith("hang")
    ), result
    # The pages never waited for the mail server.
    assert result.notes["slowest_booking_post_seconds"] < HANG, result
