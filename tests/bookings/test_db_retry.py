"""retry_on_disconnect: a statement whose connection the server dropped is run again; nothing else is.

The server drops the connection for real here (pg_terminate_backend, what a PostgreSQL fast
shutdown does to every session: "terminating connection due to administrator command").
"""

import psycopg
import pytest
from django.db import OperationalError, connection, transaction

from core.sql import retry_on_disconnect
from offices.models import Office
from tests.factories import OfficeFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _fresh_connection():
    """Each test starts and ends on a connection of its own (they break theirs on purpose)."""
    connection.close()
    yield
    connection.close()


def _other_connection(**kwargs) -> psycopg.Connection:
    params = connection.get_connection_params()
    keys = ("host", "port", "user", "password", "dbname")
    return psycopg.connect(**{k: params[k] for k in keys if params.get(k)}, **kwargs)


def _terminate_this_connection() -> None:
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    with _other_connection(autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])


def test_a_statement_on_a_connection_the_server_dropped_is_run_again(caplog):
    OfficeFactory()
    _terminate_this_connection()
    calls = []

    def count() -> int:
        calls.append(1)
        return Office.objects.count()

    assert retry_on_disconnect(count, delays=(0.05, 0.05)) == 1
    assert len(calls) == 2
    assert "database connection lost during count" in caplog.text


def test_it_gives_up_after_its_delays():
    calls = []

    def always_dropped() -> None:
        calls.append(1)
        _terminate_this_connection()
        Office.objects.count()

    with pytest.raises(OperationalError):
        retry_on_disconnect(always_dropped, delays=(0.01, 0.01))
    assert len(calls) == 3


def test_inside_a_transaction_it_is_not_retried():
    """The transaction died with its connection: only its caller can run it again whole."""
    calls = []

    def count() -> int:
        calls.append(1)
        return Office.objects.count()

    with pytest.raises(OperationalError), transaction.atomic():
        Office.objects.count()
        _terminate_this_connection()
        retry_on_disconnect(count, delays=(0.01,))
    assert len(calls) == 1
    connection.close()


def test_an_error_that_is_not_a_lost_connection_is_raised_at_once():
    office = OfficeFactory()
    calls = []
    with _other_connection() as other:
        other.execute("SELECT 1 FROM bookings_office WHERE id = %s FOR UPDATE", [office.pk])

        def locked() -> None:
            calls.append(1)
            with transaction.atomic():
                Office.objects.select_for_update(nowait=True).get(pk=office.pk)

        with pytest.raises(OperationalError):  # "could not obtain lock": the connection is fine
            retry_on_disconnect(locked, delays=(0.01, 0.01))
    assert len(calls) == 1
