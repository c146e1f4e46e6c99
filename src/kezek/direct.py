"""One fixed statement, run on PostgreSQL as a transaction of its own, below SQLAlchemy's
per-execution layers.

The hottest requests end in one statement whose SQL never changes: a booking's, and its
rate-limit count. Through ``Connection.execute`` each run costs about 0.17 ms of the
worker's CPU; on the driver's own connection, checked out of the same pool, about 0.10 ms
(``bench/booking_rush.py`` is CPU-bound in the workers, so this is throughput). The
statement is compiled once; what its run raises is SQLAlchemy's own exception, so that
callers handle a unique violation or a deadlock as from any other statement, and a
connection the server dropped leaves the pool as SQLAlchemy would drop it.

Its placeholders are turned into PostgreSQL's own ($1, $2...) once, too, and it runs on
the driver's raw cursor, which passes the SQL as it is. The driver's usual cursor would
parse the SQL for placeholders on every run, as it caches that only for statements under
4 kB: call-next's is 7.7 kB, and parsing it took 5% of a worker's time.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, cast

from sqlalchemy import Engine
from sqlalchemy.engine import Compiled
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.sql import ClauseElement, Executable

# How SQLAlchemy writes a bound parameter for psycopg, and a literal percent sign.
_PLACEHOLDER = re.compile(r"%\((?P<name>[^)]+)\)s|%%")


def numbered(sql: str) -> tuple[str, list[str]]:
    """The SQL with PostgreSQL's $1, $2... for its named placeholders, and the names in
    that order: each name is one number, however often the SQL uses it."""
    names: dict[str, int] = {}

    def number(found: re.Match[str]) -> str:
        name = found["name"]
        if name is None:
            return "%"
        return f"${names.setdefault(name, len(names) + 1)}"

    return _PLACEHOLDER.sub(number, sql), list(names)


class Direct:
    """A statement compiled once, run alone in autocommit on PostgreSQL."""

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._compiled: Compiled | None = None
        self._numbered = ""
        self._names: list[str] = []
        self._cursor: Any = None  # psycopg's raw cursor and row factory, imported where
        self._rows: Any = None  # PostgreSQL is used

    def one(self, runner: Session | Engine, parameters: Mapping[str, Any]) -> Any:
        """The statement's one row: in the session's transaction, or given the engine, run
        on its own and committed when this returns."""
        if isinstance(runner, Session):
            return runner.execute(self.statement, parameters).one()
        return self.rows(runner, parameters)[0]

    def rows(self, engine: Engine, parameters: Mapping[str, Any]) -> list[Any]:
        """The statement's rows, as named tuples; committed when this returns."""
        compiled = self._compiled
        if compiled is None:
            from psycopg import RawCursor
            from psycopg.rows import namedtuple_row

            self._cursor, self._rows = RawCursor, namedtuple_row
            clause = cast(ClauseElement, self.statement)  # every statement is a clause
            compiled = clause.compile(dialect=engine.dialect)
            self._numbered, self._names = numbered(compiled.string)
            self._compiled = compiled
        sql = compiled.string
        values = compiled.construct_params(parameters) or {}
        fairy = engine.raw_connection()
        try:
            driver: Any = fairy.driver_connection
            driver.autocommit = True  # the pool's connections rest outside a transaction
            try:
                with self._cursor(driver, row_factory=self._rows) as cursor:
                    arguments = [values[name] for name in self._names]
                    # Prepared on each connection's first run, not its fifth (the driver's
                    # default): planned from scratch, call-next's costs the server 6 ms.
                    run = cursor.execute(self._numbered, arguments, prepare=True)
                    rows: list[Any] = run.fetchall()
                    return rows
            finally:
                if not driver.closed:
                    driver.autocommit = False
        except engine.dialect.loaded_dbapi.Error as exc:
            dropped = engine.dialect.is_disconnect(exc, driver, None)
            if dropped:
                fairy.invalidate(exc)
            raise DBAPIError.instance(
                sql,
                values,
                exc,
                engine.dialect.loaded_dbapi.Error,
                connection_invalidated=dropped,
                dialect=engine.dialect,
            ) from exc
        finally:
            fairy.close()
