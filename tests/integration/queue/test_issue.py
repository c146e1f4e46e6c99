from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kezek.queue.models import QueueEvent
from tests.integration.queue.helpers import at, walk_in


def test_numbers_run_per_prefix_and_start_again_each_local_day(
    sessions: sessionmaker[Session], network: None
) -> None:
    codes = [
        walk_in(sessions, now=at(9)).code,
        walk_in(sessions, now=at(9, 1)).code,
        walk_in(sessions, now=at(9, 2), service="long").code,
        walk_in(sessions, now=at(9, 3)).code,
        # 00:30 the next day in Bishkek is still the day before in UTC: a new local day.
        walk_in(sessions, now=at(0, 30, days_ahead=2)).code,
    ]

    assert codes == ["Q-001", "Q-002", "L-001", "Q-003", "Q-001"]


def test_each_office_numbers_its_own_tickets(
    sessions: sessionmaker[Session], network: None
) -> None:
    first = walk_in(sessions, now=at(9))
    other_office = walk_in(sessions, now=at(9, office="big"), office="big")

    assert first.code == other_office.code == "Q-001"


def test_issuing_writes_an_event(sessions: sessionmaker[Session], network: None) -> None:
    ticket = walk_in(sessions, now=at(9), group="priority")

    with sessions() as session:
        events = session.scalars(select(QueueEvent)).all()
    assert [(e.ticket_id, e.kind, e.at) for e in events] == [(ticket.id, "issued", at(9))]
    assert ticket.group == "priority"
    assert ticket.status == "waiting"
