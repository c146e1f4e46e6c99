"""A ticket page read again is answered from the line its worker keeps, without the database,
and still shows a call, or a receipt printed again, at once in an office that is not busy."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi.testclient import TestClient
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from kezek.queue import service as queue_service
from kezek.staff.members import Staff
from kezek.staff.models import Role
from tests.integration.staff.helpers import bearer, make_staff

OFFICE = "/api/v1/offices/bsk"


@contextmanager
def statements(client: TestClient) -> Iterator[list[str]]:
    """Every SQL statement the app sends meanwhile through its own engine, and every
    connection it takes from the pool (a statement on the driver's own connection, which
    SQLAlchemy's layer does not see, takes one too)."""
    sent: list[str] = []
    engine: Engine = client.app.state.context.sessions.kw["bind"]  # type: ignore[attr-defined]

    def count(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        sent.append(statement)

    def lent(*_: object) -> None:
        sent.append("(a connection from the pool)")

    event.listen(engine, "before_cursor_execute", count)
    event.listen(engine.pool, "checkout", lent)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", count)
        event.remove(engine.pool, "checkout", lent)


def _line_of_two(client: TestClient, sessions: sessionmaker[Session]) -> list[dict[str, object]]:
    make_staff(sessions, "kiosk-bsk", Role.clerk, ["bsk"])
    kiosk = bearer(client, "kiosk-bsk")
    client.post(f"{OFFICE}/windows/1/open", json={}, headers=kiosk)
    return [
        client.post(f"{OFFICE}/tickets", json={"service": "quick"}, headers=kiosk).json()
        for _ in range(2)
    ]


def _read(client: TestClient, ticket: dict[str, object], secret: object = None) -> object:
    response = client.get(
        f"/api/v1/tickets/{ticket['id']}",
        headers={"X-Ticket-Secret": str(secret or ticket["secret"])},
    )
    return response.json() if response.status_code == 200 else response.status_code


def test_a_page_read_again_asks_the_database_nothing(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    first, second = _line_of_two(client, sessions)
    before = _read(client, second)  # works the line out

    with statements(client) as sent:
        again, other = _read(client, second), _read(client, first)

    assert sent == []
    assert again == before
    assert isinstance(again, dict) and again["position"] == 2 and again["status"] == "waiting"
    assert isinstance(other, dict) and other["position"] == 1 and other["code"] == "Q-001"


def test_a_receipt_printed_again_works_at_once_and_the_old_one_stops(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    first, _ = _line_of_two(client, sessions)
    assert isinstance(_read(client, first), dict)  # the line kept, with the first secret
    manager = Staff(id=1, username="gulnara", role=Role.manager, office_codes=frozenset({"bsk"}))
    context = client.app.state.context  # type: ignore[attr-defined]

    again = queue_service.reprint(context, staff=manager, office="bsk", code=str(first["code"]))
    assert again.value is not None

    assert isinstance(new := _read(client, first, secret=again.value.secret), dict)
    assert new["code"] == first["code"]
    assert _read(client, first) == 404
    assert _read(client, first, secret="GUESSGUESS") == 404


def test_a_call_shows_on_the_next_read_though_the_line_was_kept(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    first, _ = _line_of_two(client, sessions)
    assert isinstance(waiting := _read(client, first), dict) and waiting["status"] == "waiting"

    client.post(f"{OFFICE}/windows/1/call-next", headers=bearer(client, "kiosk-bsk"))
    called = _read(client, first)

    assert isinstance(called, dict)
    assert (called["status"], called["window"], called["position"]) == ("called", "1", None)


def test_a_called_ticket_is_read_from_the_kept_line_as_from_its_row(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    first, second = _line_of_two(client, sessions)
    client.post(f"{OFFICE}/windows/1/call-next", headers=bearer(client, "kiosk-bsk"))
    from_its_row = _read(client, first)
    _read(client, second)  # works the line out, the first called in it

    with statements(client) as sent:
        kept = _read(client, first)

    assert sent == []
    assert kept == from_its_row
    assert isinstance(kept, dict) and (kept["status"], kept["window"]) == ("called", "1")
