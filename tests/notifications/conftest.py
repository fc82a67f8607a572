"""Fixtures of the notification tests: anymail's test backend, with a hand-over log."""

import pytest

from tests.notifications.mail_backend import mail_log_lines

ANYMAIL_TEST_BACKEND = "tests.notifications.mail_backend.EmailBackend"


@pytest.fixture
def mail_log(tmp_path, monkeypatch, settings):
    """Sends go through anymail's test backend; returns a function reading the hand-overs."""
    path = tmp_path / "mail.jsonl"
    monkeypatch.setenv("HW_MAIL_LOG", str(path))
    settings.MAILERS = {"default": {"BACKEND": ANYMAIL_TEST_BACKEND}}
    return lambda: mail_log_lines(path)
