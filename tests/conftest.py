"""Fixtures: every database test runs once on SQLite and once on PostgreSQL.

PostgreSQL tests skip when no server answers, except in CI (CI=true), where they fail, as
does any other skipped test. A test of bookings marked ``BOTH_BOOKING_PATHS`` runs a third
time, on PostgreSQL's general booking path as well as its one-statement path.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import psycopg
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

import kezek.models  # noqa: F401  (every table, for emptying them between tests)
from kezek.app import create_app
from kezek.config import Settings
from kezek.db import Base, make_engine, make_sessionmaker, run_transaction
from kezek.migrate import upgrade_to_head
from kezek.network.file import parse_network
from kezek.network.load import load_network
from kezek.staff import passwords
from tests.factories import NETWORK_TOML
from tests.postgres import recreate_database

IN_CI = os.environ.get("CI", "").lower() == "true"
POSTGRES_ADMIN_URL = os.environ.get(
    "KEZEK_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"
# argon2id at its lightest for the passwords of the tests' own process, as Django advises for
# test suites: at the library's cost each hash and each check took 0.22 s of CPU, a quarter
# of the queue and page tests' CPU. The servers started in processes of their own keep the
# real cost (the sign-in storm measures its memory); a password hashed here is hashed again
# at that cost there, at its first sign-in.
LIGHT_HASHER = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
REAL_HASHER = passwords.HASHER


@pytest.fixture(scope="session", autouse=True)
def light_password_hashes() -> Iterator[None]:
    with _hashing_with(LIGHT_HASHER):
        yield


@pytest.fixture
def real_password_cost() -> Iterator[None]:
    """The library's cost, for a test whose checks must last as long as in production."""
    with _hashing_with(REAL_HASHER):
        yield


@contextmanager
def _hashing_with(hasher: PasswordHasher) -> Iterator[None]:
    # The stand-in hash is made once, with the hasher of the moment: made with the other
    # one, it would be checked at the wrong cost and no longer pass for a stored hash.
    passwords.stand_in_hash.cache_clear()
    try:
        with mock.patch.object(passwords, "HASHER", hasher):
            yield
    finally:
        passwords.stand_in_hash.cache_clear()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped:
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, where every test must run: {report.longrepr}"


def _postgres_database(worker: str) -> str:
    """A fresh database for this test run, created through the admin URL."""
    try:
        return recreate_database(POSTGRES_ADMIN_URL, f"kezek_test_{worker}")
    except psycopg.OperationalError as exc:
        message = f"PostgreSQL at {POSTGRES_ADMIN_URL} is not reachable: {exc}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'kezek.db'}"
    else:
        url = _postgres_database(worker)
    upgrade_to_head(url)
    return url


@pytest.fixture(scope="session")
def booking_one_statement() -> bool | None:
    """KEZEK_BOOKING_ONE_STATEMENT for the test; None keeps the default (true).

    Only ``BOTH_BOOKING_PATHS`` sets it."""
    return None


# A mark for the tests of bookings under load (races, the phone cap): run the test on SQLite
# and on both of PostgreSQL's booking paths.
BOTH_BOOKING_PATHS = pytest.mark.parametrize(
    ("database_url", "booking_one_statement"),
    [
        # SQLite has one path, the general transaction, whatever the setting says. None, not
        # True: pytest orders tests by their session-scoped values, and a value shared with a
        # PostgreSQL case would split the suite's SQLite half around the PostgreSQL half.
        pytest.param("sqlite", None, id="sqlite"),
        pytest.param("postgresql", True, id="postgresql-one-statement"),
        pytest.param("postgresql", False, id="postgresql-general"),
    ],
    indirect=["database_url"],
    # database_url's own scope: the test runs on the suite's two databases, made once.
    scope="session",
)


# A mark for what only PostgreSQL has (call-next's one statement): the test runs there alone.
POSTGRESQL_ONLY = pytest.mark.parametrize(
    "database_url", [pytest.param("postgresql", id="postgresql")], indirect=True, scope="session"
)


def make_settings(
    database_url: str, var_dir: Path, *, booking_one_statement: bool | None = None
) -> Settings:
    """The tests' settings, for the ``settings`` fixture and for longer-lived fixtures."""
    path = {} if booking_one_statement is None else {"booking_one_statement": booking_one_statement}
    return Settings(
        database_url=database_url,
        secret_key=TEST_SECRET,
        var_dir=var_dir,
        booking_horizon_days=60,
        min_notice_minutes=60,
        network_refresh_seconds=0,  # a test that reloads the network sees it at once
        queue_close_days=False,  # tests play days on their own clocks; closing is tested apart
        purge_every_seconds=0,  # so is purging, which would forget what such a test wrote
        db_pool_warm=False,  # a test's app opens connections as it needs them (tests/server.py)
        **path,
    )


@pytest.fixture
def settings(database_url: str, tmp_path: Path, booking_one_statement: bool | None) -> Settings:
    return make_settings(
        database_url, tmp_path / "var", booking_one_statement=booking_one_statement
    )


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    engine = make_engine(settings)
    empty_tables(engine)
    yield engine
    engine.dispose()


def empty_tables(engine: Engine) -> None:
    # The network revision keeps counting across tests, so that a network cache kept from
    # one test never mistakes the next test's network for the one it holds; and it jumps
    # to a number this process has given no database yet, so that a cache kept across the
    # SQLite and the PostgreSQL tests cannot either.
    tables = [t for t in Base.metadata.sorted_tables if t.name != "network_revision"]
    with engine.begin() as connection:
        # Deleted rather than truncated on PostgreSQL too: a test leaves a few rows, and
        # TRUNCATE's new files for 26 tables took 0.2 s a test, DELETE 0.04 s.
        for table in reversed(tables):
            connection.execute(table.delete())
        if engine.dialect.name == "postgresql":
            _restart_sequences(connection, [table.name for table in tables])
        connection.execute(
            text("UPDATE network_revision SET revision = :revision WHERE id = 1"),
            {"revision": next(_REVISIONS) * 10_000},
        )


def _restart_sequences(connection: Connection, tables: list[str]) -> None:
    """The ids of ``tables`` count from 1 again, as in a fresh database."""
    owned = connection.execute(
        text(
            "SELECT sequence.relname FROM pg_class AS sequence"
            " JOIN pg_depend ON pg_depend.objid = sequence.oid"
            " JOIN pg_class AS owner ON owner.oid = pg_depend.refobjid"
            " WHERE sequence.relkind = 'S' AND owner.relname = ANY(:tables)"
        ),
        {"tables": tables},
    ).scalars()
    for sequence in owned:
        connection.execute(text(f'ALTER SEQUENCE "{sequence}" RESTART'))


# Per process, so each test's first network load counts from a range of its own.
_REVISIONS = itertools.count(1)


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return make_sessionmaker(engine)


@pytest.fixture
def network(sessions: sessionmaker[Session]) -> None:
    """The small test network of tests/factories.py, loaded."""
    spec = parse_network(NETWORK_TOML, source="test-network.toml")
    run_transaction(sessions, lambda session: load_network(session, spec))


@pytest.fixture
def server_env(database_url: str, network: None, tmp_path: Path) -> dict[str, str]:
    """What ``kezek serve`` needs to serve the test network from the test's database."""
    return {
        "KEZEK_DATABASE_URL": database_url,
        "KEZEK_SECRET_KEY": TEST_SECRET,
        "KEZEK_VAR_DIR": str(tmp_path),
    }


@pytest.fixture
def client(settings: Settings, engine: Engine, network: None) -> Iterator[TestClient]:
    app = create_app(settings)
    with TestClient(app) as test_client:
        yield test_client
    app.state.context.sessions.kw["bind"].dispose()


@pytest.fixture
def secret() -> bytes:
    return TEST_SECRET.encode()


# The test files that take longest (each over 20 s on a slow 2-core machine), the longest
# first. They start the run rather than end it: with ``--dist loadfile`` the workers take
# files in the order collected, and a long file taken last ran alone while the other workers
# had nothing left, minutes of an otherwise 30-minute run.
LONGEST_FIRST = (
    "tests/unit/planning/",
    "tests/fault/",
    "tests/integration/staff/test_token_forgotten_everywhere.py",
    "tests/integration/queue/test_board_streams_at_scale.py",
    "tests/browser/test_kiosk_console_board.py",
    "tests/browser/test_manager_dashboard.py",
    "tests/integration/queue/test_day_replay.py",
    "tests/integration/queue/test_call_races_across_processes.py",
    "tests/integration/queue/test_board_stream.py",
    "tests/browser/test_apply_to_a_draw.py",
    "tests/browser/test_line_from_a_phone.py",
    "tests/integration/staff/test_sign_in_storm.py",
    "tests/browser/test_accessibility.py",
    "tests/integration/booking/test_races_across_processes.py",
    "tests/integration/queue/test_board_streams_end_when_the_server_stops.py",
    "tests/integration/web/test_dashboard.py",
    "tests/browser/test_campaign_against_plan.py",
    "tests/integration/queue/test_candidates.py",
)


def _longest_first(item: pytest.Item) -> int:
    for place, start in enumerate(LONGEST_FIRST):
        if item.nodeid.startswith(start):
            return place
    return len(LONGEST_FIRST)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=_longest_first)  # stable: each file's tests keep their order


def pytest_report_header() -> str:
    return f"PostgreSQL admin URL: {POSTGRES_ADMIN_URL} (CI={IN_CI})"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    # .ci/run reads this line to prove that the PostgreSQL half of the suite ran.
    passed = terminalreporter.stats.get("passed", [])
    on_postgres = sum(1 for report in passed if "postgresql" in report.nodeid)
    terminalreporter.write_line(f"PostgreSQL tests passed: {on_postgres}")
    # Figures that tests measure (as record_property("figure", ...)), for the README.
    for report in passed:
        for name, value in report.user_properties:
            if name == "figure":
                terminalreporter.write_line(f"{report.nodeid.split('::')[-1]}: {value}")
