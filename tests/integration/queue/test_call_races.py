"""16 windows press "next" at the same instant: no ticket goes to two windows."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kezek.queue.models import QueueEvent, Ticket
from tests.integration.queue.helpers import at, call, walk_in

WINDOWS = 16


def test_sixteen_windows_never_share_a_ticket(
    sessions: sessionmaker[Session], network: None
) -> None:
    for minute in range(10):
        walk_in(sessions, now=at(9, minute), office="big")
    barrier = threading.Barrier(WINDOWS)

    def press_next(n: int) -> int | None:
        barrier.wait()
        called = call(sessions, window=str(1 + n % 5), now=at(10, office="big"), office="big")
        return called.id if called else None

    with ThreadPoolExecutor(max_workers=WINDOWS) as pool:
        outcomes = list(pool.map(press_next, range(WINDOWS)))

    called = [ticket for ticket in outcomes if ticket is not None]
    assert len(called) == 10 and len(set(called)) == 10
    with sessions() as session:
        statuses = Counter(session.scalars(select(Ticket.status)))
        calls = session.scalars(select(QueueEvent.ticket_id).where(QueueEvent.kind == "called"))
        assert sorted(calls) == sorted(called)
    assert statuses == {"called": 10}
