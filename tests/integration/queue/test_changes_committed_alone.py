"""On PostgreSQL a kiosk's walk-in ticket, a clerk's call-next, start and finish, with no
Idempotency-Key to record and no message to write, are each their one statement,
committed on its own: one round trip on one connection, nothing through a transaction.
What they refuse is still refused: a manager of another office finishes nobody's citizen
here, and a closed line gives no ticket."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from psycopg.errors import DeadlockDetected
from sqlalchemy import Engine, event, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from kezek.context import AppContext
from kezek.direct import Direct
from kezek.queue import service
from kezek.queue.closing import QueueClosed
from kezek.queue.models import QueueDayClosure, QueueEvent, Ticket
from kezek.queue.schemas import Action
from kezek.staff.members import Staff
from kezek.staff.models import Role, StaffUser
from kezek.types import utcnow
from tests.conftest import POSTGRESQL_ONLY
from tests.integration.queue.helpers import walk_in
from tests.integration.staff.helpers import bearer, make_staff

pytestmark = POSTGRESQL_ONLY


def _staff(sessions: sessionmaker[Session], name: str, role: Role, offices: list[str]) -> Staff:
    make_staff(sessions, name, role, offices)
    with sessions() as session:
        found = session.scalars(select(StaffUser.id).where(StaffUser.username == name)).one()
    return Staff(id=found, username=name, role=role, office_codes=frozenset(offices))


def _context(client: TestClient) -> AppContext:
    """The served app's context: its services called as the routes call them."""
    found: AppContext = client.app.state.context  # type: ignore[attr-defined]
    return found


@contextmanager
def _counted(engine: Engine, patch: pytest.MonkeyPatch) -> Iterator[dict[str, list[str]]]:
    """Statements run on their own (``kezek.direct``), and those sent through SQLAlchemy,
    and the commits of its transactions."""
    seen: dict[str, list[str]] = {"alone": [], "statements": [], "commits": []}
    rows = Direct.rows

    def counted_rows(direct: Direct, *args: Any) -> list[Any]:
        seen["alone"].append(str(direct.statement).split()[1])  # its first CTE's name
        return rows(direct, *args)

    patch.setattr(Direct, "rows", counted_rows)
    listeners: list[tuple[str, Callable[..., None]]] = [
        ("before_cursor_execute", lambda *args: seen["statements"].append(args[2])),
        ("commit", lambda *_: seen["commits"].append("")),
    ]
    for name, listener in listeners:
        event.listen(engine, name, listener)
    try:
        yield seen
    finally:
        for name, listener in listeners:
            event.remove(engine, name, listener)


def test_issue_call_start_and_finish_are_one_round_trip_each(
    client: TestClient, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    context = _context(client)
    aibek = _staff(sessions, "aibek", Role.clerk, ["bsk"])
    opened = client.post(
        "/api/v1/offices/bsk/windows/1/open", json={}, headers=bearer(client, "aibek")
    )
    assert opened.status_code == 200, opened.text
    kiosk = _staff(sessions, "kiosk", Role.kiosk, ["bsk"])
    engine = context.sessions.kw["bind"]
    told: list[int] = []  # each change, committed, is counted and told to the other workers
    monkeypatch.setattr(context.bus, "committed", told.append)

    with _counted(engine, monkeypatch) as seen:
        first, second = (
            service.issue(context, staff=kiosk, office="bsk", service="quick").value.id
            for _ in range(2)
        )
        called = service.call_next(context, staff=aibek, office="bsk", window="1")
        assert called.value is not None
        started = service.act(context, staff=aibek, ticket_id=called.value.id, action=Action.start)
        finished = service.act(
            context, staff=aibek, ticket_id=called.value.id, action=Action.finish
        )

    assert (called.value.id, started.value.status, finished.value.status) == (
        first,
        "serving",
        "done",
    )
    # One statement each, on its own (named by its first part).
    assert seen["alone"] == ["closed", "closed", "held", "changed", "changed"]
    # Through SQLAlchemy, at most the network's revision (the tests' is never kept), each
    # read in a transaction of its own: no statement of the queue.
    assert all("network_revision" in statement for statement in seen["statements"])
    assert len(seen["commits"]) == len(seen["statements"])
    assert told == [context.directory.office(context.sessions, "bsk").id] * 5
    with sessions() as session:
        kinds = session.scalars(
            select(QueueEvent.kind).where(QueueEvent.ticket_id == first).order_by(QueueEvent.id)
        ).all()
        assert kinds == ["issued", "called", "start", "finish"]
        assert session.get_one(Ticket, second).status == "waiting"
        stored = session.get_one(Ticket, first)
        assert stored.ended_at is not None and stored.window_id is not None
        # The times read below SQLAlchemy are the same instants, shown in the office's zone.
        assert called.value.called_at == stored.called_at
        assert str(called.value.called_at.utcoffset()) == "6:00:00"  # Bishkek
        assert finished.value.window == "1"


def test_a_manager_of_another_office_cannot_finish_a_citizen_here(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    context = _context(client)
    aibek = _staff(sessions, "aibek", Role.clerk, ["bsk"])
    _staff(sessions, "marat", Role.manager, ["big"])
    client.post("/api/v1/offices/bsk/windows/1/open", json={}, headers=bearer(client, "aibek"))
    ticket = walk_in(sessions, now=utcnow()).id
    service.call_next(context, staff=aibek, office="bsk", window="1")
    service.act(context, staff=aibek, ticket_id=ticket, action=Action.start)

    refused = client.post(f"/api/v1/tickets/{ticket}/finish", headers=bearer(client, "marat"))

    assert refused.status_code == 403, refused.text
    assert refused.json()["code"] == "forbidden"
    with sessions() as session:
        assert session.get_one(Ticket, ticket).status == "serving"


def test_a_closed_line_gives_the_kiosk_no_ticket(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    context = _context(client)
    kiosk = _staff(sessions, "kiosk", Role.kiosk, ["bsk"])
    office = context.directory.office(context.sessions, "bsk")
    day = context.clock().astimezone(office.zone).date()
    with sessions.begin() as session:
        session.add(QueueDayClosure(office_id=office.id, day=day, closed_at=utcnow()))

    with pytest.raises(QueueClosed):
        service.issue(context, staff=kiosk, office="bsk", service="quick")

    with sessions() as session:
        assert session.scalars(select(Ticket)).all() == []


def test_a_kiosk_or_another_clerk_cannot_start_or_finish_a_citizen_at_a_window(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    context = _context(client)
    aibek = _staff(sessions, "aibek", Role.clerk, ["bsk"])
    _staff(sessions, "asel", Role.clerk, ["bsk"])
    _staff(sessions, "kiosk", Role.kiosk, ["bsk"])
    client.post("/api/v1/offices/bsk/windows/1/open", json={}, headers=bearer(client, "aibek"))
    client.post("/api/v1/offices/bsk/windows/2/open", json={}, headers=bearer(client, "asel"))
    ticket = walk_in(sessions, now=utcnow()).id
    service.call_next(context, staff=aibek, office="bsk", window="1")

    refused = [
        client.post(f"/api/v1/tickets/{ticket}/{action}", headers=bearer(client, name))
        for name in ("kiosk", "asel")
        for action in ("start", "finish")
    ]

    assert [answer.status_code for answer in refused] == [403] * 4, [
        answer.text for answer in refused
    ]
    with sessions() as session:
        assert session.get_one(Ticket, ticket).status == "called"


def test_a_statement_alone_that_met_a_deadlock_is_run_again(
    client: TestClient, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database rolled the whole statement back: run again, as a transaction would be."""
    context = _context(client)
    kiosk = _staff(sessions, "kiosk", Role.kiosk, ["bsk"])
    rows, runs = Direct.rows, []

    def deadlocked_once(direct: Direct, *args: Any) -> list[Any]:
        runs.append(direct)
        if len(runs) == 1:
            raise DBAPIError("ISSUE", {}, DeadlockDetected("deadlock detected"))
        return rows(direct, *args)

    monkeypatch.setattr(Direct, "rows", deadlocked_once)
    issued = service.issue(context, staff=kiosk, office="bsk", service="quick")

    assert len(runs) == 2 and issued.value.code == "Q-001"
    with sessions() as session:
        assert [t.code for t in session.scalars(select(Ticket))] == ["Q-001"]
