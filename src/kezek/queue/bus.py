"""Telling every board that an office's queue changed, across all server processes.

A change is published inside the transaction that makes it. On PostgreSQL that is
``NOTIFY``, which the database delivers only once the transaction commits, to every worker
process listening; each worker's one listener hands it on to the boards it serves. SQLite
serves from a single process, so there the message goes straight to that process's boards,
after the commit. PostgreSQL's LISTEN/NOTIFY was chosen over Redis pub/sub because the
change and its message then commit or roll back together, and no other service is needed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import AsyncIterator

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from kezek.db import is_postgresql

log = logging.getLogger(__name__)
CHANNEL = "kezek_board"


class BoardBus:
    """Subscribers per office in this process, fed by the database or by local commits."""

    def __init__(self) -> None:
        self._subscribers: dict[int, set[asyncio.Queue[None]]] = defaultdict(set)
        self._loop: asyncio.AbstractEventLoop | None = None

    def publish(self, session: Session, office_id: int) -> None:
        """Announce a change of ``office_id`` once ``session`` commits."""
        if is_postgresql(session):
            session.execute(
                text("SELECT pg_notify(:channel, :office)"),
                {"channel": CHANNEL, "office": str(office_id)},
            )
            return
        event.listen(session, "after_commit", lambda _session: self.deliver(office_id), once=True)

    def deliver(self, office_id: int) -> None:
        """Wake this process's boards of the office; safe to call from any thread."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        for queue in list(self._subscribers.get(office_id, ())):
            loop.call_soon_threadsafe(_nudge, queue)

    @contextlib.asynccontextmanager
    async def subscribe(self, office_id: int) -> AsyncIterator[asyncio.Queue[None]]:
        self._loop = asyncio.get_running_loop()
        queue: asyncio.Queue[None] = asyncio.Queue(maxsize=1)
        self._subscribers[office_id].add(queue)
        try:
            yield queue
        finally:
            self._subscribers[office_id].discard(queue)

    async def listen(self, database_url: str) -> None:
        """Relay NOTIFY messages to this process's boards until cancelled; reconnect on loss."""
        # Only PostgreSQL's workers listen: a SQLite server never loads the driver.
        import psycopg

        self._loop = asyncio.get_running_loop()
        url = make_url(database_url)
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                    host=url.host,
                    port=url.port,
                    user=url.username,
                    password=url.password,
                    dbname=url.database,
                    autocommit=True,
                ) as connection:
                    await connection.execute(f"LISTEN {CHANNEL}")
                    async for notice in connection.notifies():
                        if notice.payload.isdigit():
                            self.deliver(int(notice.payload))
            except asyncio.CancelledError:
                raise
            except psycopg.Error as exc:
                log.warning("board listener lost the database (%s); reconnecting", exc)
                await asyncio.sleep(1)


def _nudge(queue: asyncio.Queue[None]) -> None:
    # One pending nudge is enough: the board re-reads the whole snapshot anyway.
    with contextlib.suppress(asyncio.QueueFull):
        queue.put_nowait(None)
