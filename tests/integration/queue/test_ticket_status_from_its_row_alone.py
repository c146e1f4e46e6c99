"""The page of a ticket out of the line (called, served, ended) is read from its row alone: on
PostgreSQL in one statement without a transaction, showing what the transaction shows."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from kezek.db import is_postgresql, read_session
from kezek.queue.status import row_alone_view
from kezek.queue.status import ticket_status as status_of
from kezek.staff.models import Role
from tests.conftest import POSTGRESQL_ONLY
from tests.integration.staff.helpers import bearer, make_staff

OFFICE = "/api/v1/offices/bsk"


@contextmanager
def asked(client: TestClient) -> Iterator[tuple[list[int], list[str]]]:
    """Meanwhile: how often the app's engine lent a connection, and the statements sent
    through SQLAlchemy's execution layer (a statement on the driver's own connection is
    not among them)."""
    checkouts: list[int] = []
    sent: list[str] = []
    engine: Engine = client.app.state.context.sessions.kw["bind"]  # type: ignore[attr-defined]

    def lent(*_: object) -> None:
        checkouts.append(1)

    def executed(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        sent.append(statement)

    event.listen(engine.pool, "checkout", lent)
    event.listen(engine, "before_cursor_execute", executed)
    try:
        yield checkouts, sent
    finally:
        event.remove(engine.pool, "checkout", lent)
        event.remove(engine, "before_cursor_execute", executed)


def _of_tickets(sent: list[str]) -> list[str]:
    return [statement for statement in sent if "FROM ticket" in statement]


def _in_bishkeks_zone(engine: Engine) -> None:
    """The engine's connections from now on answer times in Bishkek's zone, not UTC."""

    def zoned(connection: Any, _record: object) -> None:
        connection.execute("SET TIME ZONE 'Asia/Bishkek'")
        connection.commit()

    engine.dispose()
    event.listen(engine, "connect", zoned)


def _served_and_waiting(
    client: TestClient, sessions: sessionmaker[Session]
) -> list[dict[str, object]]:
    """Two walk-ins: the first called, served and done at window 1; the second waiting."""
    make_staff(sessions, "kiosk-bsk", Role.clerk, ["bsk"])
    kiosk = bearer(client, "kiosk-bsk")
    client.post(f"{OFFICE}/windows/1/open", json={}, headers=kiosk)
    tickets = [
        client.post(f"{OFFICE}/tickets", json={"service": "quick"}, headers=kiosk).json()
        for _ in range(2)
    ]
    client.post(f"{OFFICE}/windows/1/call-next", headers=kiosk)
    for action in ("start", "finish"):
        response = client.post(f"/api/v1/tickets/{tickets[0]['id']}/{action}", headers=kiosk)
        assert response.status_code == 200, response.text
    return tickets


def _read(client: TestClient, ticket_id: object, secret: object) -> object:
    response = client.get(f"/api/v1/tickets/{ticket_id}", headers={"X-Ticket-Secret": str(secret)})
    return response.json() if response.status_code == 200 else response.status_code


@POSTGRESQL_ONLY
def test_a_served_ticket_is_read_in_one_statement_without_a_transaction(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    served, _ = _served_and_waiting(client, sessions)
    context = client.app.state.context  # type: ignore[attr-defined]
    _in_bishkeks_zone(context.sessions.kw["bind"])  # the driver's times are not in UTC

    with asked(client) as (_, sent):
        page = _read(client, served["id"], served["secret"])

    # Asked of the database on the driver's own connection: SQLAlchemy's layer and its
    # transaction sent nothing of the ticket (the office's directory may check its own).
    assert _of_tickets(sent) == []
    assert isinstance(page, dict)
    assert (page["status"], page["window"], page["position"]) == ("done", "1", None)
    alone = row_alone_view(
        context.sessions,
        directory=context.directory,
        ticket_id=int(str(served["id"])),
        ticket_secret=str(served["secret"]),
    )
    with read_session(sessions) as session:
        in_a_transaction = status_of(
            session,
            directory=context.directory,
            ticket_id=int(str(served["id"])),
            ticket_secret=str(served["secret"]),
            now=context.clock(),
        )
    assert alone == in_a_transaction
    assert alone is not None and alone.ticket.ended_at is not None
    assert alone.ticket.ended_at.tzinfo is UTC  # as the column type gives it


@POSTGRESQL_ONLY
def test_a_wrong_secret_or_no_such_ticket_is_refused_from_the_row_alone(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    served, _ = _served_and_waiting(client, sessions)

    with asked(client) as (checkouts, sent):
        refused = [
            _read(client, served["id"], "GUESSGUESS"),
            _read(client, 999_999, served["secret"]),
            _read(client, 2**31 - 1, served["secret"]),
        ]

    assert refused == [404, 404, 404]
    assert len(checkouts) >= 3 and _of_tickets(sent) == []


def test_a_ticket_in_line_or_sent_on_is_read_with_its_line(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    served, waiting = _served_and_waiting(client, sessions)
    context = client.app.state.context  # type: ignore[attr-defined]

    def alone(ticket: dict[str, object]) -> object:
        return row_alone_view(
            context.sessions,
            directory=context.directory,
            ticket_id=int(str(ticket["id"])),
            ticket_secret=str(ticket["secret"]),
        )

    assert alone(waiting) is None  # its place needs the line
    with asked(client) as (_, sent):
        page = _read(client, waiting["id"], waiting["secret"])
    assert isinstance(page, dict) and (page["status"], page["position"]) == ("waiting", 1)
    assert len(_of_tickets(sent)) >= 2  # in one transaction: the ticket's row, then its line
    # SQLite has no statement of its own: every page is read in a transaction there.
    assert (alone(served) is None) is not is_postgresql(sessions)

    kiosk = bearer(client, "kiosk-bsk")
    moved = client.post(
        f"/api/v1/tickets/{waiting['id']}/transfer", json={"service": "other"}, headers=kiosk
    )
    assert moved.status_code == 201, moved.text
    assert alone(waiting) is None  # its page is the new ticket's
    page = _read(client, waiting["id"], waiting["secret"])
    assert isinstance(page, dict) and page["code"] == moved.json()["code"] != waiting["code"]
