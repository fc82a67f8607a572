"""The fault suite: the portal on production settings, broken on purpose while jobseekers book.

See tests/faults/README.md for the harness's API. In short:

    @pytest.mark.faults
    def test_something_breaks(stack_factory):
        stack = stack_factory()                      # web (gunicorn ×2), worker, Redis, database
        load = BookingLoad(stack.url, stack.seed(200)).start()
        ...break something: stack.redis.stop(), stack.postgres.restart("fast"),
           stack.worker.signal(SIGKILL), stack.start_worker(...)...
        bookings = load.finish()
        stack.invitations_settled()
        result = report(stack, "name", bookings)
        result.save()
        assert_held(result)

The private PostgreSQL cluster is made once per session (`fault_cluster`) with a migrated
template database (with the suite's clock, tests/clock.py); each stack gets a copy of the template, its own Redis, web and worker, all
stopped and removed afterwards. Nothing here touches the machine's shared PostgreSQL or Redis.
"""

import uuid

import psycopg
import pytest

from tests.clock import install_database_clock

from .services import PrivatePostgres, missing_tools, private_directory
from .stack import Stack

TEMPLATE = "hw_faults_template"


class Cluster:
    def __init__(self, postgres: PrivatePostgres, static_root):
        self.postgres = postgres
        self.static_root = static_root

    def admin(self, sql: str) -> None:
        with psycopg.connect(self.postgres.dsn(), autocommit=True, connect_timeout=5) as conn:
            conn.execute(sql)

    def new_database(self) -> str:
        name = f"hw_faults_{uuid.uuid4().hex[:8]}"
        self.admin(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"')
        return name

    def drop_database(self, name: str) -> None:
        self.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def fault_cluster(tmp_path_factory, collected_static):
    """A private PostgreSQL cluster with the migrated template database."""
    missing = missing_tools()
    if missing:
        pytest.skip("the fault tests need " + ", ".join(missing))
    postgres = PrivatePostgres(private_directory("hw-faults-pg-")).init().start()
    try:
        cluster = Cluster(postgres, collected_static)
        cluster.admin(f'CREATE DATABASE "{TEMPLATE}"')
        migrator = Stack(
            postgres=postgres,
            database=TEMPLATE,
            directory=tmp_path_factory.mktemp("faults-template"),
            static_root=collected_static,
        )
        migrator.django("migrate", "--noinput")
        # The suite's clock in every copy (tests/clock.py).
        with psycopg.connect(postgres.dsn(TEMPLATE), autocommit=True) as conn:
            install_database_clock(conn.cursor())
        yield cluster
    finally:
        postgres.remove()


@pytest.fixture
def stack_factory(fault_cluster, tmp_path):
    """`stack_factory(**Stack options)` → a started Stack on a fresh copy of the template."""
    stacks: list[tuple[Stack, str]] = []

    def make(**options) -> Stack:
        database = fault_cluster.new_database()
        directory = tmp_path / f"stack{len(stacks) + 1}"
        directory.mkdir()
        stack = Stack(
            postgres=fault_cluster.postgres,
            database=database,
            directory=directory,
            static_root=fault_cluster.static_root,
            **options,
        )
        stacks.append((stack, database))
        return stack.start()

    yield make
    for stack, database in stacks:
        stack.stop()
        fault_cluster.drop_database(database)
