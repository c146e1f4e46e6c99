"""Phones asking at the same instant: the day's last places go once, and a phone asking
twice at once gets one ticket."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from kezek.context import AppContext
from kezek.errors import Problem
from kezek.queue import service
from kezek.queue.models import Ticket
from kezek.queue.remote import remote_taken
from tests.integration.queue.conftest import Clock, load, proof, remote_network
from tests.integration.queue.helpers import at

RACERS = 24
PER_DAY = 5


def _take(context: AppContext, phone: str, client: str) -> int | str:
    """The ticket's id, or the refusal's code."""
    try:
        return service.take_remote_ticket(
            context,
            office="bsk",
            service="quick",
            phone=phone,
            phone_proof=proof(phone, context.clock()),
            language="ru",
            client=client,
        ).id
    except Problem as refused:
        return refused.code


def _race(context: AppContext, phones: list[str]) -> list[int | str]:
    barrier = threading.Barrier(len(phones))

    def ask(n: int) -> int | str:
        barrier.wait()
        return _take(context, phones[n], f"198.51.100.{n}")

    with ThreadPoolExecutor(max_workers=len(phones)) as pool:
        return list(pool.map(ask, range(len(phones))))


def test_the_last_places_go_to_exactly_as_many_phones(
    context: AppContext, sessions: sessionmaker[Session], clock: Clock
) -> None:
    load(sessions, remote_network(per_day=PER_DAY))
    clock.now = at(8)
    for n in range(PER_DAY - 2):  # two places left
        assert isinstance(_take(context, f"+99655510{n:04d}", "203.0.113.1"), int)

    outcomes = _race(context, [f"+99655520{n:04d}" for n in range(RACERS)])

    won = [outcome for outcome in outcomes if isinstance(outcome, int)]
    assert len(won) == 2 and len(set(won)) == 2
    assert sorted(o for o in outcomes if isinstance(o, str)) == ["remote_tickets_full"] * (
        RACERS - 2
    )
    with sessions() as session:
        assert session.scalar(select(func.count()).where(Ticket.remote)) == PER_DAY
        office = context.directory.office(session, "bsk")
        assert remote_taken(session, office_id=office.id, day=at(8).date()) == PER_DAY


def test_one_phone_asking_many_times_at_once_gets_one_ticket(
    context: AppContext, sessions: sessionmaker[Session], clock: Clock
) -> None:
    load(sessions, remote_network(per_day=PER_DAY))
    clock.now = at(8)

    outcomes = _race(context, ["+996555300000"] * RACERS)

    assert len(set(outcomes)) == 1 and isinstance(outcomes[0], int)
    with sessions() as session:
        assert session.scalar(select(func.count()).where(Ticket.remote)) == 1
        office = context.directory.office(session, "bsk")
        # The requests that lost the race gave their counted place back.
        assert remote_taken(session, office_id=office.id, day=at(8).date()) == 1
