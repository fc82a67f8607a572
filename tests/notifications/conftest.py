"""Fixtures of the notification tests: anymail's test backend with a hand-over log, and real
Celery worker processes on the checkout's Redis database."""

import pytest

from tests.notifications.mail_backend import mail_log_lines
from tests.notifications.worker import Worker, point_app_at_redis, restore_app

ANYMAIL_TEST_BACKEND = "tests.notifications.mail_backend.EmailBackend"


@pytest.fixture
def mail_log(tmp_path, monkeypatch, settings):
    """Sends go through anymail's test backend; returns a function reading the hand-overs."""
    path = tmp_path / "mail.jsonl"
    monkeypatch.setenv("HW_MAIL_LOG", str(path))
    settings.MAILERS = {"default": {"BACKEND": ANYMAIL_TEST_BACKEND}}
    return lambda: mail_log_lines(path)


@pytest.fixture
def broker(checkout_redis):
    """This process publishes to the checkout's Redis database (empty, one such test at a time),
    where the worker processes consume."""
    saved = point_app_at_redis()
    try:
        yield checkout_redis
    finally:
        restore_app(saved)


@pytest.fixture
def mail_path(tmp_path, monkeypatch):
    path = tmp_path / "mail.jsonl"
    monkeypatch.setenv("HW_MAIL_LOG", str(path))
    return path


@pytest.fixture
def workers(broker, mail_path, tmp_path, settings):
    settings.NOTIFICATION_SEND_GRACE = 1
    settings.NOTIFICATION_SENDING_LEASE = 3
    started: list[Worker] = []

    def make(**kwargs) -> Worker:
        worker = Worker(mail_log=mail_path, log_dir=tmp_path, **kwargs)
        started.append(worker)
        return worker

    yield make
    for worker in started:
        worker.stop()
