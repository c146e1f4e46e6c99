"""Windows press "next" at the same instant: no ticket goes to two windows, and no window
holds two tickets."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kezek.db import run_transaction
from kezek.network.file import parse_network
from kezek.network.load import load_network
from kezek.queue.models import QueueEvent, Ticket
from kezek.queue.tickets import WindowBusy
from tests.factories import one_office_network
from tests.integration.queue.helpers import at, call, walk_in

WINDOWS = 16


def _hall(sessions: sessionmaker[Session]) -> None:
    """One office with sixteen windows for one service."""
    text = one_office_network(
        office="hall",
        kind="migration_center",
        timezone="Asia/Bishkek",
        services=[("quick", "Q", 10)],
        windows=[(str(n), ["quick"], None) for n in range(1, WINDOWS + 1)],
    )
    spec = parse_network(text, source="hall.toml")
    run_transaction(sessions, lambda session: load_network(session, spec))


def test_sixteen_windows_never_share_a_ticket(sessions: sessionmaker[Session]) -> None:
    _hall(sessions)
    for minute in range(20):
        walk_in(sessions, now=at(9, minute, office="bsk"), office="hall")
    barrier = threading.Barrier(WINDOWS)

    def press_next(n: int) -> int | None:
        barrier.wait()
        called = call(sessions, window=str(n + 1), now=at(10, office="bsk"), office="hall")
        return called.id if called else None

    with ThreadPoolExecutor(max_workers=WINDOWS) as pool:
        outcomes = list(pool.map(press_next, range(WINDOWS)))

    called = [ticket for ticket in outcomes if ticket is not None]
    assert len(called) == WINDOWS and len(set(called)) == WINDOWS
    with sessions() as session:
        statuses = Counter(session.scalars(select(Ticket.status)))
        calls = session.scalars(select(QueueEvent.ticket_id).where(QueueEvent.kind == "called"))
        assert sorted(calls) == sorted(called)
        windows = Counter(
            session.scalars(select(Ticket.window_id).where(Ticket.status == "called"))
        )
    assert statuses == {"called": WINDOWS, "waiting": 20 - WINDOWS}
    assert set(windows.values()) == {1}


def test_one_window_pressed_twice_at_once_calls_one_ticket(
    sessions: sessionmaker[Session],
) -> None:
    _hall(sessions)
    for minute in range(4):
        walk_in(sessions, now=at(9, minute, office="bsk"), office="hall")
    barrier = threading.Barrier(4)

    def press_next(_: int) -> int | str | None:
        barrier.wait()
        try:
            called = call(sessions, window="1", now=at(10, office="bsk"), office="hall")
        except WindowBusy:
            return "busy"
        return called.id if called else None

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = Counter(pool.map(press_next, range(4)))

    assert outcomes["busy"] == 3 and len(outcomes) == 2
    with sessions() as session:
        statuses = Counter(session.scalars(select(Ticket.status)))
    assert statuses == {"called": 1, "waiting": 3}
