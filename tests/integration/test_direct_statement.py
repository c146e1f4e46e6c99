"""A statement run below SQLAlchemy's layers: its rows, its commit, its errors and the
connection it hands back to the pool behave as through ``Connection.execute``."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from kezek.config import Settings
from kezek.db import make_engine, violated_constraint
from kezek.direct import Direct, numbered
from kezek.ratelimit import RATE_COUNT
from kezek.types import as_utc
from tests.conftest import POSTGRESQL_ONLY

pytestmark = POSTGRESQL_ONLY

COUNT = Direct(
    text(
        'INSERT INTO rate_count (key_hash, "window", hits, expires_at) '
        "VALUES (:key, 1, 1, now()) RETURNING key_hash AS key, hits"
    )
)


def _counted(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return int(session.scalar(select(func.count()).select_from(RATE_COUNT)) or 0)


def test_it_returns_named_rows_already_committed(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    rows = COUNT.rows(engine, {"key": "a"})

    assert [(row.key, row.hits) for row in rows] == [("a", 1)]
    assert _counted(sessions) == 1  # seen from another connection: committed


def test_a_unique_violation_is_sqlalchemys_integrity_error_with_its_constraint(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    COUNT.rows(engine, {"key": "a"})

    with pytest.raises(IntegrityError) as raised:
        COUNT.rows(engine, {"key": "a"})

    assert violated_constraint(raised.value) == "pk_rate_count"
    assert _counted(sessions) == 1


def test_the_connection_goes_back_to_the_pool_out_of_autocommit(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    for key in ("a", "b", "c"):  # every connection of a small pool has run it
        COUNT.rows(engine, {"key": key})

    # A transaction rolled back on any of them leaves nothing behind.
    for _ in range(3):
        with engine.connect() as connection:
            connection.execute(text("DELETE FROM rate_count"))
            connection.rollback()

    assert _counted(sessions) == 3


def test_a_connection_the_server_dropped_leaves_the_pool(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    with engine.connect() as victim, engine.connect() as other:
        pid = victim.execute(text("SELECT pg_backend_pid()")).scalar_one()
        victim.commit()
        other.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})
        other.commit()

    with pytest.raises(OperationalError) as raised:
        for key in ("b", "c", "d", "e", "f", "g"):  # until the dropped one is checked out
            COUNT.rows(engine, {"key": key})
    assert raised.value.connection_invalidated

    COUNT.rows(engine, {"key": "z"})  # a fresh connection serves the next one
    with sessions() as session:
        assert session.scalar(select(RATE_COUNT.c.hits).where(RATE_COUNT.c.key_hash == "z")) == 1


def test_a_name_used_twice_is_one_parameter_and_a_percent_sign_stays(engine: Engine) -> None:
    # The raw cursor takes PostgreSQL's own placeholders: each name becomes one number, in
    # the order first met, and SQLAlchemy's escaped percent sign is one again.
    statement = text("SELECT :b AS b, :a AS a, :b || '%' AS again, 7 % 4 AS left_over")
    assert numbered(statement.compile(dialect=engine.dialect).string) == (
        "SELECT $1 AS b, $2 AS a, $1 || '%' AS again, 7 % 4 AS left_over",
        ["b", "a"],
    )

    (row,) = Direct(statement).rows(engine, {"a": "x", "b": "y"})

    assert (row.b, row.a, row.again, row.left_over) == ("y", "x", "y%", 3)


def test_times_come_back_in_utc_whatever_the_servers_zone(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    # Each connection asks for UTC: the driver then reads a time as UTC itself, and the
    # column type need not convert it again.
    when = text("SELECT CAST('2025-04-30 23:30:00+03' AS timestamptz) AS at")
    with sessions() as session:
        assert session.execute(text("SHOW TimeZone")).scalar_one() == "UTC"
        read = session.execute(when).scalar_one()
    (alone,) = Direct(when).rows(engine, {})

    assert read == alone.at == datetime(2025, 4, 30, 20, 30, tzinfo=UTC)
    assert read.tzinfo is UTC and alone.at.tzinfo is UTC
    assert as_utc(read) is read


def test_it_is_prepared_on_the_connections_first_run(settings: Settings) -> None:
    # Planned from scratch on every run, call-next's statement costs the server 6 ms; the
    # driver's own default prepares a statement only on its fifth run on a connection.
    alone = make_engine(settings.model_copy(update={"db_pool_size": 1, "db_max_overflow": 0}))
    try:
        COUNT.rows(alone, {"key": "a"})

        assert _prepared(alone) == ["INSERT INTO rate_count"]
    finally:
        alone.dispose()


def _prepared(engine: Engine) -> list[str]:
    """The statements prepared on the pool's connection (its only one), by their start."""
    with engine.connect() as connection:
        found = connection.execute(text("SELECT statement FROM pg_prepared_statements"))
        return [statement[: len("INSERT INTO rate_count")] for (statement,) in found]
