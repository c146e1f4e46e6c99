"""Engine, sessions and transactions that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Index, MetaData, Table, UniqueConstraint, create_engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import QueuePool

from kezek.config import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")

# Stable constraint names, so that Alembic migrations are the same on both databases.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# PostgreSQL: serialization_failure, deadlock_detected. SQLite reports contention as "locked".
RETRYABLE_SQLSTATES = {"40001", "40P01"}
RETRY_ATTEMPTS = 8


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def is_postgresql(bind: str | Engine | Connection | Session | sessionmaker[Session]) -> bool:
    """Whether ``bind`` (a URL, an engine, a connection or a session) talks to PostgreSQL."""
    if isinstance(bind, str):
        return make_url(bind).get_backend_name() == "postgresql"
    if isinstance(bind, sessionmaker):
        bind = bind.kw["bind"]
    if isinstance(bind, Session):
        bind = bind.get_bind()
    assert isinstance(bind, Engine | Connection)
    return bind.dialect.name == "postgresql"


def violated_constraint(error: IntegrityError) -> str | None:
    """The name of the constraint or unique index that a write broke, on either database.

    PostgreSQL names it; SQLite names the columns of a unique one (and the name of a CHECK),
    so those are looked up in the models' metadata, whose names follow the same convention.
    """
    diagnosis = getattr(error.orig, "diag", None)
    if diagnosis is not None:
        name: str | None = diagnosis.constraint_name
        return name
    message = str(error.orig)
    if message.startswith("CHECK constraint failed: "):
        return message.removeprefix("CHECK constraint failed: ").strip()
    if not message.startswith("UNIQUE constraint failed: "):
        return None
    failed = message.split(": ", 1)[1].strip()
    if failed.startswith("index '"):  # a unique index on expressions is named, not its columns
        return failed.removeprefix("index '").removesuffix("'")
    qualified = [part.strip() for part in failed.split(",")]
    table = qualified[0].split(".")[0]
    columns = tuple(part.split(".", 1)[1] for part in qualified)
    return _unique_names(Base.metadata).get((table, columns))


def _unique_names(metadata: MetaData) -> dict[tuple[str, tuple[str, ...]], str]:
    """Each table's primary key, unique constraints and unique indexes, by their columns."""
    names: dict[tuple[str, tuple[str, ...]], str] = {}
    for table in metadata.tables.values():
        unique: list[UniqueConstraint | Index] = [
            c for c in table.constraints if isinstance(c, UniqueConstraint)
        ]
        unique += [index for index in table.indexes if index.unique]
        if table.primary_key.name:
            names[(table.name, tuple(c.name for c in table.primary_key.columns))] = str(
                table.primary_key.name
            )
        for constraint in unique:
            columns = tuple(column.name for column in constraint.columns)
            names[(table.name, columns)] = str(constraint.name)
    return names


def make_engine(settings: Settings) -> Engine:
    url = settings.sqlalchemy_url
    if not is_postgresql(url):
        return _sqlite_engine(url)
    return create_engine(
        url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_pre_ping=False,
        pool_timeout=10,
        connect_args={
            "connect_timeout": 5,
            # In UTC, the driver reads each time as UTC itself, where in another zone (even
            # the server's Etc/UTC) it converts each one twice: a line of 5,000 tickets is
            # fetched in half the time.
            "options": f"-c statement_timeout={settings.db_statement_timeout_ms} -c TimeZone=UTC",
        },
    )


def warm_pool(engine: Engine) -> int:
    """Open the engine's pool's connections now and give them back to it; how many opened.

    A worker started in the middle of a rush, or a day's windows opening at once, would
    otherwise open them all in the same second: each a new PostgreSQL process to start,
    beside the requests waiting for it. In ``bench/queue_day.py`` 29 connections opened in
    the first second of the day. A database that refuses is logged and left to the
    requests, which open connections as they need them, as without this."""
    pool = engine.pool
    wanted = pool.size() if isinstance(pool, QueuePool) else 0
    opened: list[Connection] = []
    try:
        while len(opened) < wanted:
            connection = engine.connect()
            opened.append(connection)
            connection.exec_driver_sql("SELECT 1")
    except SQLAlchemyError as exc:
        log.warning("the pool was not warmed (%s); connections open as needed", exc)
    finally:
        for connection in opened:
            connection.close()
    return len(opened)


def _sqlite_engine(url: str) -> Engine:
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": 30},
        pool_size=20,
        max_overflow=20,
    )

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        # Hand transaction control to SQLAlchemy so that "begin" below can take the write lock.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin_immediate(conn: Any) -> None:
        # IMMEDIATE takes the single writer lock up front: a transaction that reads and then
        # writes can never be refused half-way, and writers queue instead of failing.
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def is_retryable(exc: DBAPIError) -> bool:
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if sqlstate in RETRYABLE_SQLSTATES:
        return True
    return "database is locked" in str(exc.orig)


def run_transaction(sessions: sessionmaker[Session], work: Callable[[Session], T]) -> T:
    """Run ``work`` in one transaction, retrying it whole on deadlock or serialization failure."""

    def once() -> T:
        with sessions.begin() as session:
            return work(session)

    return with_retries(once)


def with_retries(work: Callable[[], T]) -> T:
    """Run ``work``, again after a short random pause when the database asks for a retry."""
    for attempt in range(RETRY_ATTEMPTS):
        try:
            return work()
        except DBAPIError as exc:
            if not is_retryable(exc) or attempt == RETRY_ATTEMPTS - 1:
                raise
            time.sleep(random.uniform(0, 0.005 * 2**attempt))
    raise AssertionError("unreachable")


_ON_COMMIT = "kezek.on_commit"


def on_commit(session: Session, action: Callable[[], None]) -> None:
    """Run ``action`` once the transaction of ``session`` commits; not if it rolls back.

    Kept in the session's ``info``, which the listeners below empty: registering a listener
    on each session, once per change, cost a clerk's call a tenth of its time.
    """
    session.info.setdefault(_ON_COMMIT, []).append(action)


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    for action in session.info.pop(_ON_COMMIT, ()):
        action()


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    session.info.pop(_ON_COMMIT, None)


@contextmanager
def read_session(sessions: sessionmaker[Session]) -> Iterator[Session]:
    with sessions.begin() as session:
        yield session


def dialect_insert(dialect_name: str, table: Table) -> Any:
    """INSERT with ``on_conflict_do_update``, which PostgreSQL and SQLite both understand.

    Callers build such statements once per dialect and run them with parameters: on the
    hot paths of a booking rush, building a statement costs more than running it.
    """
    dialect: Any = postgresql if dialect_name == "postgresql" else sqlite
    return dialect.insert(table)


def database_answers(sessions: sessionmaker[Session]) -> bool:
    """Whether the database runs a trivial query now; never raises."""
    try:
        with sessions() as session:
            session.execute(text("SELECT 1"))
    except Exception:
        return False
    return True
