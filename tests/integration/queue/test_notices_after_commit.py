"""A server worker tells the other processes of a queue change once the change has
committed, from a connection of its own (``BoardBus.send_notices``): the change's own
transaction sends no NOTIFY, a change rolled back is never told, and a notice the database
did not take, the connection lost, is sent once it is back."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

import psycopg
from sqlalchemy import Engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from kezek.db import run_transaction
from kezek.queue.bus import CHANNEL, BoardBus
from tests.conftest import POSTGRESQL_ONLY
from tests.server import run_async

pytestmark = POSTGRESQL_ONLY
OFFICE = 7  # any office: a notice names it, and nothing reads it here
# This test's database's: another pytest process has a sender of its own, in its database.
_OURS = "application_name = 'kezek notices' AND datname = current_database()"
_SENDERS = text(f"SELECT count(*) FROM pg_stat_activity WHERE {_OURS}")


@contextmanager
def _listening(engine: Engine) -> Iterator[psycopg.Connection[Any]]:
    url = engine.url
    with psycopg.connect(
        host=url.host, port=url.port, user=url.username, dbname=url.database, autocommit=True
    ) as connection:
        connection.execute(f"LISTEN {CHANNEL}")
        yield connection


def _heard(listener: psycopg.Connection[Any], *, within: float) -> list[str]:
    return [notice.payload for notice in listener.notifies(timeout=within, stop_after=1)]


def _with_sender(engine: Engine, bus: BoardBus, work: Callable[[], Awaitable[None]]) -> None:
    """``work`` on an event loop where ``bus`` sends its notices, as in a server worker."""

    async def run() -> None:
        url = engine.url.render_as_string(hide_password=False)
        sender = asyncio.create_task(bus.send_notices(url))
        try:
            while not bus.sends_notices:
                await asyncio.sleep(0.01)
            await work()
        finally:
            sender.cancel()
            await asyncio.gather(sender, return_exceptions=True)

    run_async(run())


def test_a_change_is_told_once_committed_and_not_from_its_transaction(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    bus = BoardBus()
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))

    def roll_back(session: Session) -> None:
        bus.publish(session, OFFICE + 1)
        raise LookupError("the change fails after its notice was asked for")

    async def work() -> None:
        with _listening(engine) as listener:
            with suppress(LookupError):
                await asyncio.to_thread(run_transaction, sessions, roll_back)
            await asyncio.to_thread(
                run_transaction, sessions, lambda session: bus.publish(session, OFFICE)
            )
            heard.extend(await asyncio.to_thread(_heard, listener, within=5))
            heard.extend(await asyncio.to_thread(_heard, listener, within=0.5))

    heard: list[str] = []
    _with_sender(engine, bus, work)

    assert heard == [str(OFFICE)]  # once, and never the office whose change rolled back
    assert not any("pg_notify" in statement for statement in statements)
    assert bus.version(OFFICE) == 1 and bus.version(OFFICE + 1) == 0


def test_without_a_sender_the_transaction_notifies_itself(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    """A command line or a script changes the queue with no server loop to send for it."""
    bus = BoardBus()
    with _listening(engine) as listener:
        run_transaction(sessions, lambda session: bus.publish(session, OFFICE))

        assert not bus.sends_notices
        assert _heard(listener, within=5) == [str(OFFICE)]


def test_a_notice_the_lost_connection_did_not_send_is_sent_once_it_is_back(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    bus = BoardBus()

    async def work() -> None:
        with _listening(engine) as listener, engine.connect() as admin:
            for _ in range(200):  # the sender connects (within 10 s), and is cut
                found = admin.scalar(_SENDERS)
                admin.rollback()  # a new snapshot of pg_stat_activity at the next look
                if found:
                    break
                await asyncio.sleep(0.05)
            cut = admin.execute(
                text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE {_OURS}")
            ).all()
            await asyncio.to_thread(
                run_transaction, sessions, lambda session: bus.publish(session, OFFICE)
            )
            heard.extend(await asyncio.to_thread(_heard, listener, within=10))
            cuts.extend(cut)

    heard: list[str] = []
    cuts: list[Any] = []
    _with_sender(engine, bus, work)

    assert len(cuts) == 1  # the sender's connection, cut before the change
    assert heard == [str(OFFICE)]
