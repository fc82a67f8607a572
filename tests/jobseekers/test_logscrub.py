"""No personal data in application logs (Art 9): the filter installed in LOGGING, tested."""

import io
import logging
import re
import shutil
import sys

import pytest
import time_machine
from django.core import mail
from django.test import Client

from bookings.models import Reservation, ReservationStatus
from bookings.services.reservations import reservation_access_token
from jobseekers.logscrub import (
    PersonalDataFilter,
    celery_logger_ready,
    personal_data_context_end,
    personal_data_context_start,
    personal_data_register,
    scrub,
)
from jobseekers.models import Jobseeker, RegistrationRequest
from jobseekers.registrations import registration_request_confirm
from notifications.models import Notification
from notifications.services.delivery import notification_send
from tests.bookings.conftest import FULL_CHECKLIST
from tests.factories import (
    CounselorFactory,
    JobseekerFactory,
    OfficeFactory,
    SlotFactory,
    TermsVersionFactory,
    tokyo,
)
from tests.helpers import send_queued

NOW = tokyo(2026, 12, 1, 10, 0)


@pytest.mark.parametrize(
    "text",
    [
        "number 33010-12345678 typed",
        "number ３３０１０－１２３４５６７８ typed",
        "number 33010ー123456 typed",
        "number 33010 12345678 typed",
        "number 3301012345678 typed",
    ],
)
def test_every_typed_form_of_a_jobseeker_number_is_scrubbed(text):
    assert scrub(text) == "number <jobseeker-number> typed"


def test_emails_and_link_tokens_are_scrubbed_but_ordinary_numbers_stay():
    text = "to taro.yamada+hw@example.co.jp at /r/" + "ab12" * 16 + "/ id=12345 on 2026-12-01 10:00"
    assert scrub(text) == "to <email> at /r/<secret>/ id=12345 on 2026-12-01 10:00"


def test_names_of_jobseekers_in_context_are_scrubbed_and_forgotten_after_it():
    token = personal_data_context_start()
    try:
        personal_data_register("吉備", "桃子", "キビ")
        assert scrub("吉備 桃子（キビ）さん") == (
            "<personal-data> <personal-data>（<personal-data>）さん"
        )
    finally:
        personal_data_context_end(token)
    assert scrub("吉備") == "吉備"


@pytest.mark.django_db
def test_loading_a_jobseeker_puts_their_values_in_context():
    token = personal_data_context_start()
    try:
        pk = JobseekerFactory(family_name="瀬戸内", given_name="海子", phone="086-000-0000").pk
        personal_data_context_end(token)
        token = personal_data_context_start()
        Jobseeker.objects.get(pk=pk)
        assert scrub("瀬戸内 海子 086-000-0000") == (
            "<personal-data> <personal-data> <personal-data>"
        )
    finally:
        personal_data_context_end(token)


def test_the_filter_rewrites_message_arguments_and_exceptions():
    record = logging.LogRecord(
        "x", logging.ERROR, __file__, 1, "booking for %s failed", ("a@example.jp",), None
    )
    try:
        raise ValueError("Key (number)=(33010-12345678) already exists")
    except ValueError:
        record.exc_info = sys.exc_info()
    assert PersonalDataFilter().filter(record)
    text = logging.Formatter().format(record)
    assert "a@example.jp" not in text and "33010-12345678" not in text
    assert "booking for <email> failed" in text and "<jobseeker-number>" in text


def test_the_filter_is_installed_on_every_configured_handler():
    handlers = [h for h in logging.getLogger().handlers if isinstance(h, logging.StreamHandler)]
    configured = [h for h in handlers if any(isinstance(f, PersonalDataFilter) for f in h.filters)]
    assert configured, "settings.LOGGING must install PersonalDataFilter on its handlers"


@pytest.fixture
def log_output():
    """What the configured handlers write, at DEBUG, for the length of the test."""
    root = logging.getLogger()
    handlers = [
        h
        for h in root.handlers
        if isinstance(h, logging.StreamHandler)
        and any(isinstance(f, PersonalDataFilter) for f in h.filters)
    ]
    stream = io.StringIO()
    previous = [(h, h.setStream(stream), h.level) for h in handlers]
    level = root.level
    root.setLevel(logging.DEBUG)
    for h in handlers:
        h.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.setLevel(level)
        for h, old_stream, old_level in previous:
            h.setStream(old_stream)
            h.setLevel(old_level)


@pytest.mark.django_db
def test_a_full_booking_run_writes_no_number_email_or_name_to_any_log_line(
    log_output, django_capture_on_commit_callbacks
):
    office = OfficeFactory(unverified_may_book=True)
    counselor = CounselorFactory(office=office)
    TermsVersionFactory(bureau=office.bureau)
    slot = SlotFactory(counselor=counselor, starts_at=tokyo(2026, 12, 3, 10, 0))
    number = f"{office.registration_code}-00123456"
    person = ["瀬戸内", "海子", "セトウチ", "ウミコ", "umiko.setouchi@example.jp", number]
    client = Client()
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/identify/",
            {
                "number": number,
                "family_name": "瀬戸内",
                "given_name": "海子",
                "family_name_kana": "セトウチ",
                "given_name_kana": "ウミコ",
                "email": "umiko.setouchi@example.jp",
            },
        )
        assert response.status_code == 302
        send_queued()
        link = re.search(r"http://testserver(/signin/[^/\s]+/)", mail.outbox[-1].body).group(1)
        assert client.post(link)["Location"] == "/identify/received/"
        # The office confirms the request (logs of the admin's side included), then
        # "booked before" signs in.
        registration_request_confirm(
            request=RegistrationRequest.objects.get(), actor=None, method="phone"
        )
        client.post("/identify/returning/", {"number": number, "email": person[4]})
        send_queued()
        link = re.search(r"http://testserver(/signin/[^/\s]+/)", mail.outbox[-1].body).group(1)
        assert client.post(link)["Location"] == "/book/"
        assert (
            client.post("/book/terms/", {"agree_terms": "on", "agree_app_terms": "on"}).status_code
            == 302
        )
        assert (
            client.post("/book/checklist/", dict.fromkeys(FULL_CHECKLIST, "on")).status_code == 302
        )
        assert client.get("/book/date/").status_code == 200
        assert client.post("/book/date/2026-12-03/", {"slot": slot.pk}).status_code == 302
        assert client.post("/book/details/", {"note": "よろしくお願いします"}).status_code == 302
        response = client.post("/book/check/", {"slot": slot.pk})
        assert response.status_code == 302, response.content.decode()[:2000]
        reservation = Reservation.objects.get()
        assert client.get(response["Location"]).status_code == 200
        token = reservation_access_token(reservation)
        assert client.get(f"/r/{token}/").status_code == 200
        assert client.get(f"/r/{token}/calendar.ics").status_code == 200
        # Things that go wrong log the request path: a number typed into the URL, a bad link.
        assert client.get(f"/{number}/").status_code == 404
        assert client.get(f"/signin/{'0' * 43}/").status_code in {404, 410}
        # A careless log call in application code is scrubbed too.
        jobseeker = Jobseeker.objects.get(number=number)
        logging.getLogger("portal.views").warning(
            "booked by %s %s <%s> %s",
            jobseeker.full_name,
            jobseeker.full_name_kana,
            jobseeker.email,
            jobseeker.number,
        )
    for pk in Notification.objects.values_list("pk", flat=True):
        notification_send(notification_id=pk)
    assert reservation.status == ReservationStatus.CONFIRMED
    assert len(mail.outbox) >= 2
    output = log_output.getvalue()
    assert "Not Found" in output and "booked by" in output
    lines = output.splitlines()
    for value in [*person, number.replace("-", ""), token]:
        leaking = [line for line in lines if value in line]
        assert leaking == [], value


def test_celery_handlers_get_the_filter_when_celery_sets_up_its_logging():
    logger = logging.getLogger("celery.test-scrub")
    handler = logging.StreamHandler(io.StringIO())
    logger.addHandler(handler)
    try:
        celery_logger_ready(logger=logger)
        celery_logger_ready(logger=logger)
        assert sum(isinstance(f, PersonalDataFilter) for f in handler.filters) == 1
        logger.warning("sent to %s", "a@example.jp")
        assert "a@example.jp" not in handler.stream.getvalue()
    finally:
        logger.removeHandler(handler)


# Issue 16, 9: an operator follows a failure through the logs by the system's identifiers; the
# filter takes out personal data and secrets, and leaves those.
TASK_ID = "3f2c1a9e-8b7d-4c6e-9f0a-1b2c3d4e5f60"


@pytest.fixture
def filtered_log():
    """A logger writing through a handler with the filter, as settings.LOGGING installs it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(PersonalDataFilter())
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    logger = logging.getLogger("celery.app.trace")
    logger.addHandler(handler)
    level, logger.level = logger.level, logging.INFO
    try:
        yield logger, stream
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


@pytest.mark.parametrize(
    ("message", "args", "expected"),
    [
        # Celery's own lines, with their own format strings.
        (
            "Task %(name)s[%(id)s] received",
            {"name": "notifications.send", "id": TASK_ID},
            f"Task notifications.send[{TASK_ID}] received",
        ),
        (
            "Task %(name)s[%(id)s] retry: %(exc)s",
            {"name": "notifications.send", "id": TASK_ID, "exc": "Retry in 4s: SMTP 451"},
            f"Task notifications.send[{TASK_ID}] retry: Retry in 4s: SMTP 451",
        ),
        (
            "Connected to %s",
            ("redis://:**@127.0.0.1:6392/0",),
            "Connected to redis://:<secret>@127.0.0.1:6392/0",
        ),
        (
            "consumer: Cannot connect to %s: %s.",
            ("redis://default:s3cr3t-pass@redis.internal.example.jp:6379/0", "Connection refused"),
            "consumer: Cannot connect to redis://default:<secret>@redis.internal.example.jp:6379/0:"
            " Connection refused.",
        ),
        (
            "%s ready.",
            ("celery@worker-1.hwbook.example.jp",),
            "celery@worker-1.hwbook.example.jp ready.",
        ),
        # The portal's lines: ids of rows, a reservation reference, a UUID, a service's URL.
        (
            "notification %s for reservation %s (%s) failed: %s",
            (42, "ABCD-2345", "0b5e8c1e-7a5f-4c2b-9d7e-3c1f2a4b5c6d", "timeout"),
            "notification 42 for reservation ABCD-2345 (0b5e8c1e-7a5f-4c2b-9d7e-3c1f2a4b5c6d)"
            " failed: timeout",
        ),
        (
            "database unavailable: %s",
            ("postgres://hwbook:change-me@db:5432/hwbook",),
            "database unavailable: postgres://hwbook:<secret>@db:5432/hwbook",
        ),
        # Still masked: emails, 求職番号, tokens, also inside a service's URL.
        (
            "sign-in for %s (%s) at %s",
            (
                "taro@example.jp",
                "33010-12345678",
                "https://booking.example.jp/signin/" + "A" * 43 + "/?next=/r/" + "ab" * 32,
            ),
            "sign-in for <email> (<jobseeker-number>) at "
            "https://booking.example.jp/signin/<secret>/?next=/r/<secret>",
        ),
    ],
)
def test_identifiers_of_the_system_stay_and_personal_data_goes(
    filtered_log, message, args, expected
):
    logger, stream = filtered_log
    if isinstance(args, dict):
        logger.info(message, args)
    else:
        logger.info(message, *args)
    assert stream.getvalue() == f"INFO celery.app.trace {expected}\n"


@pytest.mark.django_db
def test_names_and_phone_numbers_of_a_jobseeker_in_context_stay_masked_beside_identifiers(
    filtered_log,
):
    logger, stream = filtered_log
    token = personal_data_context_start()
    try:
        JobseekerFactory(family_name="瀬戸内", given_name="海子", phone="086-000-0000")
        logger.warning(
            "task %s: reservation %s of %s %s, phone %s",
            TASK_ID,
            "WXYZ-6789",
            "瀬戸内",
            "海子",
            "086-000-0000",
        )
    finally:
        personal_data_context_end(token)
    assert stream.getvalue() == (
        f"WARNING celery.app.trace task {TASK_ID}: reservation WXYZ-6789 of <personal-data>"
        " <personal-data>, phone <personal-data>\n"
    )


@pytest.fixture
def private_redis(tmp_path):
    """A Redis of this test's own, with a password, on a free port; stopped after the test."""
    from tests.faults.services import PrivateRedis

    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    password = "pw-" + "x9" * 10
    server = PrivateRedis(tmp_path, password=password).start()
    try:
        yield server.url, password, server.port
    finally:
        server.stop()


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_real_workers_log_keeps_task_ids_and_the_broker_address(private_redis, tmp_path):
    from celery import Celery

    from tests.notifications.worker import Worker, wait_for

    url, password, port = private_redis
    worker = Worker(
        mail_log=tmp_path / "mail.jsonl", log_dir=tmp_path, env={"TEST_REDIS_URL": url}
    ).start()
    try:
        # A send for a row that does not exist: the task runs, finds nothing and ends.
        publisher = Celery(broker=url, set_as_current=False)
        task_id = publisher.send_task("notifications.send", kwargs={"notification_id": 0}).id
        publisher.close()
        assert wait_for(lambda: f"[{task_id}] succeeded" in worker.log_text(), timeout=30), (
            worker.log_text()[-3000:]
        )
    finally:
        worker.stop()
    log = worker.log_text()
    assert f"Task notifications.send[{task_id}] received" in log
    assert f"Connected to redis://:<secret>@127.0.0.1:{port}/0" in log
    assert password not in log
    assert "<email>" not in log
