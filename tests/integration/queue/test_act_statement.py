"""Start and finish in one statement on PostgreSQL: the same change, event and notice as the
general path, and nothing at all when the clerk may not, or the ticket is not ready."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kezek.queue.models import QueueEvent, Ticket, WindowSession
from kezek.queue.one_statement import act_in_one_statement
from kezek.staff.models import Role, StaffUser
from kezek.types import utcnow
from tests.conftest import POSTGRESQL_ONLY
from tests.integration.queue.helpers import DIRECTORY
from tests.integration.staff.helpers import make_staff

NOW = utcnow().replace(microsecond=0)
pytestmark = POSTGRESQL_ONLY


def _called_at_window_1(session: Session) -> tuple[int, int, int]:
    """Aibek holds window 1 of Bishkek, where ticket Q-001 is called; Bolot holds none."""
    office = DIRECTORY.office(session, "bsk")
    aibek, bolot = (
        session.scalars(select(StaffUser.id).where(StaffUser.username == name)).one()
        for name in ("aibek", "bolot")
    )
    window_id = office.window_ids["1"]
    session.add(
        WindowSession(
            window_id=window_id,
            office_id=office.id,
            staff_id=aibek,
            opened_at=NOW - timedelta(hours=1),
            services=["quick"],
        )
    )
    ticket = Ticket(
        office_id=office.id,
        service_id=next(i for i, code in office.service_codes.items() if code == "quick"),
        day=NOW.astimezone(office.zone).date(),
        prefix="Q",
        number=1,
        kind="walk_in",
        status="called",
        window_id=window_id,
        arrived_at=NOW - timedelta(minutes=20),
        called_at=NOW - timedelta(minutes=1),
        calls=1,
        secret_hash="0" * 64,
        updated_at=NOW,
    )
    session.add(ticket)
    session.flush()
    return ticket.id, aibek, bolot


def test_the_clerk_at_the_window_starts_and_finishes_in_one_statement(
    sessions: sessionmaker[Session], network: None
) -> None:
    for name in ("aibek", "bolot"):
        make_staff(sessions, name, Role.clerk, ["bsk"])
    with sessions() as session, session.begin():
        ticket_id, aibek, bolot = _called_at_window_1(session)

        def act(action: str, staff_id: int, oversees: bool = False) -> Ticket | None:
            return act_in_one_statement(
                session,
                ticket_id=ticket_id,
                action=action,
                staff_id=staff_id,
                oversees=oversees,
                office_ids=None,
                now=NOW,
                actor="someone",
                notify=True,
            )

        not_ready = act("finish", aibek)
        not_theirs = act("start", bolot)
        started = act("start", aibek)
        started_again = act("start", aibek)
        finished = act("finish", bolot, oversees=True)  # a manager may step in
        events = session.scalars(
            select(QueueEvent.kind).where(QueueEvent.ticket_id == ticket_id).order_by(QueueEvent.id)
        ).all()
        stored = session.execute(
            select(Ticket.status, Ticket.started_at, Ticket.ended_at).where(Ticket.id == ticket_id)
        ).one()
        session.rollback()

    assert not_ready is None and not_theirs is None and started_again is None
    assert started is not None and started.status == "serving" and started.started_at == NOW
    assert finished is not None and finished.status == "done" and finished.ended_at == NOW
    assert finished.code == "Q-001" and finished.window_id == started.window_id
    assert events == ["start", "finish"]
    assert tuple(stored) == ("done", NOW, NOW)
