"""How a worker is stopped decides whether an email in flight is finished or cut (issue 16, 7).

docker-compose.yml (`init`, `stop_signal: SIGTERM`, `stop_grace_period`) and the systemd unit in
docs/systemd/ (`KillMode=mixed`) send the stop signal to Celery's main process alone. These
tests stop a real worker both ways while the provider is taking 4 seconds over a send: TERM to
the main process is a warm shutdown that finishes the send and records it; TERM to the whole
process group (systemd's default `KillMode=control-group`) kills the pool child mid-send and
leaves the row in `sending`, to be sent again after the lease.
"""

import os
import signal

import pytest

from notifications.models import NotificationStatus
from tests.notifications.mail_backend import mail_log_lines
from tests.notifications.test_reliability import (  # noqa: F401 (fixtures)
    _invitation,
    _sent,
    _status,
    broker,
    mail_path,
    workers,
)
from tests.notifications.worker import wait_for

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _start_slow_send(workers, mail_path, email: str):  # noqa: F811
    worker = workers(env={"HW_MAIL_SLOW": "4"}).start()
    notification = _invitation(email)
    assert wait_for(
        lambda: any(line["result"] == "sending" for line in mail_log_lines(mail_path)), timeout=15
    ), worker.log_text()[-3000:]
    return worker, notification


def test_term_to_the_main_process_finishes_the_send_in_flight(workers, mail_path):  # noqa: F811
    worker, notification = _start_slow_send(workers, mail_path, "slow-warm@example.jp")
    os.kill(worker.process.pid, signal.SIGTERM)
    assert worker.process.wait(timeout=60) == 0, worker.log_text()[-3000:]
    assert "Warm shutdown" in worker.log_text()
    assert _status(notification) == NotificationStatus.SENT
    assert len(_sent(mail_path)) == 1
    notification.refresh_from_db()
    assert notification.attempts == 1


def test_term_to_the_whole_group_cuts_the_send_in_flight(workers, mail_path):  # noqa: F811
    worker, notification = _start_slow_send(workers, mail_path, "slow-cut@example.jp")
    os.killpg(worker.process.pid, signal.SIGTERM)
    worker.process.wait(timeout=60)
    # The provider may have taken it; the row cannot say so, and waits for the lease.
    assert _sent(mail_path) == []
    assert _status(notification) == NotificationStatus.SENDING
