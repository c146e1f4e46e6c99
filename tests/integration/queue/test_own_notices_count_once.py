"""A server worker counts a change of its own once (``BoardBus.version``), at its commit,
and not again when the database's notice of it comes back to the worker's own listener;
another process's change counts once its notice is heard. Counted twice, the echo made the
next ticket page work its office's line out again, and took a quiet office for a busy one,
whose lines are kept across changes: a called ticket's page showed it waiting."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, date, datetime

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from kezek.db import run_transaction
from kezek.queue.bus import CHANNEL, BoardBus
from kezek.queue.status import KeptLines, LineEstimate
from tests.conftest import POSTGRESQL_ONLY
from tests.server import run_async

pytestmark = POSTGRESQL_ONLY
OFFICE = 7  # any office: a notice names it, and nothing reads it here
DAY = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 6, tzinfo=UTC)


class _Hearing:
    """Tells when the listener's connection is listening."""

    def __init__(self) -> None:
        self.ready = asyncio.Event()

    def listening(self) -> None:
        self.ready.set()

    def deaf(self) -> None:
        self.ready.clear()

    def changed(self) -> None:
        pass


async def _until(condition: Callable[[], bool], *, within: float = 10.0) -> None:
    for _ in range(int(within / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("not heard in time")


def test_a_change_made_here_counts_once_and_another_process_s_once_heard(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    bus = BoardBus()
    lines = KeptLines(bus.version)
    works: list[int] = []

    def work() -> LineEstimate:
        works.append(1)
        return LineEstimate({})

    counted: dict[str, int] = {}

    async def run() -> None:
        url = engine.url.render_as_string(hide_password=False)
        hearing = _Hearing()
        tasks = [
            asyncio.create_task(bus.listen(url, others={"kezek_test_hearing": hearing})),
            asyncio.create_task(bus.send_notices(url)),
        ]
        try:
            await asyncio.wait_for(hearing.ready.wait(), timeout=10)
            await _until(lambda: bus.sends_notices)
            await asyncio.to_thread(
                run_transaction, sessions, lambda session: bus.publish(session, OFFICE)
            )
            counted["at commit"] = bus.version(OFFICE)
            lines.line(OFFICE, DAY, now=NOW, work=work)
            await _until(lambda: bus.changes(OFFICE) == 1)  # its notice, back: boards woken
            counted["notice back"] = bus.version(OFFICE)
            lines.line(OFFICE, DAY, now=NOW, work=work)
            with engine.connect() as another:
                another.execute(
                    text("SELECT pg_notify(:channel, :office)"),
                    {"channel": CHANNEL, "office": str(OFFICE)},
                )
                another.commit()
            await _until(lambda: bus.changes(OFFICE) == 2)
            counted["another's"] = bus.version(OFFICE)
            lines.line(OFFICE, DAY, now=NOW, work=work)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    run_async(run())

    assert counted == {"at commit": 1, "notice back": 1, "another's": 2}
    # The page read after its own change's notice came back is answered from the line kept;
    # another process's change has it worked out again.
    assert len(works) == 2
