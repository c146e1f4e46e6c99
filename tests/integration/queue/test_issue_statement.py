"""A walk-in ticket in one statement on PostgreSQL: the same ticket, event, number and notice
as the general path, and nothing at all on a day whose line has closed."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session, sessionmaker

from kezek.queue.bus import CHANNEL
from kezek.queue.closing import QueueClosed
from kezek.queue.issue_statement import issue_in_one_statement
from kezek.queue.models import QueueDayClosure, QueueEvent, Ticket, TicketCounter
from kezek.queue.tickets import hash_ticket_secret, issue_walk_in
from tests.conftest import POSTGRESQL_ONLY
from tests.integration.queue.helpers import DIRECTORY, at

pytestmark = POSTGRESQL_ONLY
NOW = at(10)
# What may differ between two tickets issued one after the other.
_OWN = {"id", "number", "secret_hash"}


def _columns(ticket: Ticket) -> dict[str, object]:
    return {c.key: getattr(ticket, c.key) for c in Ticket.__table__.columns if c.key not in _OWN}


def test_it_makes_the_ticket_the_general_path_makes_next_in_number(
    sessions: sessionmaker[Session], network: None
) -> None:
    with sessions() as session, session.begin():
        office = DIRECTORY.office(session, "bsk")
        general = issue_walk_in(
            session,
            directory=DIRECTORY,
            office_code="bsk",
            service_code="quick",
            group="eaeu",
            now=NOW,
            actor="kiosk",
        )
        made = issue_in_one_statement(
            session,
            office=office,
            service_code="quick",
            group="eaeu",
            now=NOW,
            ticket_secret="7KQ2M9XD",
            actor="kiosk",
            notify=True,
        )
        events = session.execute(
            select(QueueEvent.ticket_id, QueueEvent.kind, QueueEvent.actor, QueueEvent.detail)
            .where(QueueEvent.kind == "issued")
            .order_by(QueueEvent.id)
        ).all()
        stored = session.get_one(Ticket, made.ticket.id)
        last = session.get_one(TicketCounter, (office.id, NOW.astimezone(office.zone).date(), "Q"))

        assert (general.ticket.code, made.ticket.code) == ("Q-001", "Q-002")
        assert _columns(made.ticket) == _columns(general.ticket) == _columns(stored)
        assert made.secret == "7KQ2M9XD"
        assert stored.secret_hash == hash_ticket_secret("7KQ2M9XD")
        assert [(kind, actor, detail) for _, kind, actor, detail in events] == [
            ("issued", "kiosk", {"kind": "walk_in"})
        ] * 2
        assert [ticket_id for ticket_id, *_ in events] == [general.ticket.id, made.ticket.id]
        assert last.last_number == 2
        session.rollback()


def test_the_boards_hear_of_the_ticket_when_it_commits(
    engine: Engine, sessions: sessionmaker[Session], network: None
) -> None:
    with engine.connect() as listener:
        listener.execute(text(f"LISTEN {CHANNEL}"))
        listener.commit()
        with sessions() as session, session.begin():
            office = DIRECTORY.office(session, "bsk")
            issue_in_one_statement(
                session, office=office, service_code="quick", group=None, now=NOW, notify=True
            )
        driver = listener.connection.driver_connection
        assert driver is not None
        heard = [n.payload for n in driver.notifies(timeout=5, stop_after=1)]

    assert heard == [str(office.id)]


def test_a_closed_line_gets_no_ticket_and_uses_no_number(
    sessions: sessionmaker[Session], network: None
) -> None:
    with sessions() as session, session.begin():
        office = DIRECTORY.office(session, "bsk")
        day = NOW.astimezone(office.zone).date()
        session.add(QueueDayClosure(office_id=office.id, day=day, closed_at=NOW))
        session.flush()

        with pytest.raises(QueueClosed):
            issue_in_one_statement(
                session, office=office, service_code="quick", group=None, now=NOW, notify=True
            )

        assert session.scalars(select(Ticket)).all() == []
        assert session.get(TicketCounter, (office.id, day, "Q")) is None
        session.rollback()
