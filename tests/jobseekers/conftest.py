import pytest

from jobseekers.logscrub import personal_data_context_end, personal_data_context_start


@pytest.fixture(autouse=True)
def _fresh_personal_data_context():
    # Each test is like one request or task: it starts with no jobseeker in context, so that
    # names loaded by earlier tests do not decide what this one's log lines look like.
    token = personal_data_context_start()
    yield
    personal_data_context_end(token)
