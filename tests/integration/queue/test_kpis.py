"""Day KPIs count a transferred citizen's second wait from the transfer, not from arrival."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from sqlalchemy.orm import Session, sessionmaker

from kezek.db import run_transaction
from kezek.queue import tickets
from kezek.queue.kpis import day_kpis
from tests.integration.queue.helpers import DIRECTORY, at, call, walk_in


def test_a_transfer_waits_from_the_transfer(sessions: sessionmaker[Session], network: None) -> None:
    first = walk_in(sessions, now=at(9))
    call(sessions, window="1", now=at(9, 10))
    run_transaction(
        sessions, partial(tickets.act, ticket_id=first.id, action="start", now=at(9, 10))
    )
    moved = run_transaction(
        sessions,
        partial(
            tickets.transfer,
            directory=DIRECTORY,
            ticket_id=first.id,
            service_code="other",
            now=at(9, 30),
        ),
    ).ticket
    second = call(sessions, window="3", now=at(9, 35))

    with sessions() as session:
        office = DIRECTORY.office(session, "bsk")
        figures = day_kpis(session, office=office, day=first.day, now=at(10))

    assert second is not None and second.id == moved.id
    assert figures.issued == 1
    # 10 minutes before the first window, 5 between the transfer and the second call.
    assert figures.mean_wait == timedelta(minutes=7, seconds=30)
    assert figures.longest_wait == timedelta(minutes=10)
