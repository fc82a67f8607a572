"""Request lines carry no link token (issue 15, 3.10): the real logs of real servers, read.

Under `make run`, runserver's request log (`django.server`, configured by Django apart from
settings.LOGGING) printed every sign-in link and reservation link it served, and with DEBUG on
Django's own console handler printed "Not Found: /r/<token>/" raw beside the filtered line.
gunicorn writes its access log through handlers of its own. Each server below is started as a
separate process on the test database, serves real links, and its output is read whole.
"""

import os
import sys
import urllib.error
import urllib.request

import pytest

from bookings.services.reservations import reservation_access_token
from jobseekers.signin import sign_in_request_returning
from tests.factories import JobseekerFactory, ReservationFactory
from tests.helpers import sign_in_token
from tests.servers import Gunicorn, Process, free_port, test_database_url, wait_port

pytestmark = pytest.mark.django_db(transaction=True)


def server_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "REDIS_URL"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DATABASE_URL=test_database_url(),
        # The links below are opened a few times per run; the limit is not what is tested.
        RATE_LIMIT_LINK_PER_IP="10000",
        PYTHONUNBUFFERED="1",
        **extra,
    )
    return env


def get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - our own server
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.fixture
def links():
    """A real sign-in link (as emailed) and a real reservation link, and their tokens."""
    jobseeker = JobseekerFactory()
    reservation = ReservationFactory(jobseeker=jobseeker)
    sign_in_request_returning(number=jobseeker.number, email=jobseeker.email)
    sign_in = sign_in_token()
    reservation_token = reservation_access_token(reservation)
    return {
        "paths": [
            f"/signin/{sign_in}/",
            f"/r/{reservation_token}/",
            f"/r/{reservation_token}/calendar.ics",
            # A link copied short still holds most of the secret.
            f"/r/{reservation_token[:20]}/",
        ],
        "secrets": [sign_in, reservation_token, reservation_token[:20], jobseeker.email],
    }


def _assert_masked(output: str, links: dict, expected_lines: list[str]) -> None:
    for secret in links["secrets"]:
        assert secret not in output, f"{secret[:8]}… is in the log:\n{output[-3000:]}"
    for line in expected_lines:
        assert line in output, f"{line!r} not in the log:\n{output[-3000:]}"


def test_runserver_as_make_run_starts_it_logs_no_link_token(links, tmp_path):
    port = free_port()
    server = Process(
        "runserver",
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        env=server_env(DJANGO_DEBUG="true"),
        log=tmp_path / "runserver.log",
    ).start()
    try:
        wait_port(port, timeout=60, process=server.popen)
        statuses = [get(f"http://127.0.0.1:{port}{path}") for path in links["paths"]]
        # runserver writes a request's line after the answer is sent: waited for, or the stop
        # below could come first.
        server.wait_for_output('HTTP/1.1" 404', timeout=10)
    finally:
        server.stop()
    assert statuses == [200, 200, 200, 404]
    output = server.output()
    _assert_masked(
        output,
        links,
        [
            '"GET /signin/<secret>/ HTTP/1.1" 200',
            '"GET /r/<secret>/ HTTP/1.1" 200',
            '"GET /r/<secret>/calendar.ics HTTP/1.1" 200',
            '"GET /r/<secret>/ HTTP/1.1" 404',
            "Not Found: /r/<secret>/",
        ],
    )


@pytest.mark.parametrize(
    "config",
    # Without the config file, only the control socket is turned off (it would be created in
    # the home directory, shared with any other gunicorn of the machine).
    [["--config=config/gunicorn.conf.py"], ["--no-control-socket"]],
    ids=["as-deployed", "no-config-file"],
)
def test_gunicorns_access_and_error_logs_carry_no_link_token(links, tmp_path, config):
    access = tmp_path / "access.log"
    server = Gunicorn(
        env=server_env(DJANGO_DEBUG="false"),
        log_dir=tmp_path,
        workers=2,
        options=config,
        access_log=access,
        access_format=None,  # gunicorn's own, with the referrer
    )
    port = server.port
    try:
        server.start(ready=None)
        statuses = []
        for path in links["paths"]:
            # The referrer is logged too: the page a visitor came from holds the token.
            request = urllib.request.Request(  # noqa: S310 - our own server
                f"http://127.0.0.1:{port}{path}",
                headers={"Referer": f"http://127.0.0.1:{port}{links['paths'][1]}"},
            )
            try:
                with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                    response.read()
                    statuses.append(response.status)
            except urllib.error.HTTPError as error:
                statuses.append(error.code)
    finally:
        server.stop()
    assert statuses == [200, 200, 200, 404]
    output = server.output() + access.read_text(errors="replace")
    _assert_masked(
        output,
        links,
        [
            '"GET /signin/<secret>/ HTTP/1.1" 200',
            '"GET /r/<secret>/calendar.ics HTTP/1.1" 200',
            '"GET /r/<secret>/ HTTP/1.1" 404',
            f'"http://127.0.0.1:{port}/r/<secret>/"',
            "Not Found: /r/<secret>/",
        ],
    )
