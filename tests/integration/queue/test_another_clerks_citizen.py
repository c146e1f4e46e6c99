"""A citizen called to or served at a window belongs to that window's clerk: another clerk of
the same office cannot cancel them or send them on, by the API or from the console."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kezek.queue.models import Ticket
from kezek.staff.models import Role
from kezek.types import utcnow
from tests.integration.queue.helpers import walk_in
from tests.integration.staff.helpers import PASSWORD, bearer, make_staff
from tests.integration.web.pages import form_token, submit


def _served_at_window_1(client: TestClient, sessions: sessionmaker[Session]) -> int:
    """Aibek's window 1 serves Q-001; Asel has window 2 open. The ticket's id."""
    make_staff(sessions, "aibek", Role.clerk, ["bsk"])
    make_staff(sessions, "asel", Role.clerk, ["bsk"])
    ticket = walk_in(sessions, now=utcnow()).id
    aibek = bearer(client, "aibek")
    client.post("/api/v1/offices/bsk/windows/1/open", json={}, headers=aibek)
    client.post("/api/v1/offices/bsk/windows/1/call-next", headers=aibek)
    client.post("/api/v1/offices/bsk/windows/2/open", json={}, headers=bearer(client, "asel"))
    return ticket


def _status(sessions: sessionmaker[Session], ticket: int) -> str:
    with sessions() as session:
        return str(session.scalar(select(Ticket.status).where(Ticket.id == ticket)))


def test_another_clerk_cannot_cancel_or_send_on_a_citizen_at_a_window(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    ticket = _served_at_window_1(client, sessions)
    asel = bearer(client, "asel")

    cancel_called = client.post(f"/api/v1/tickets/{ticket}/cancel", headers=asel)
    send_on_called = client.post(
        f"/api/v1/tickets/{ticket}/transfer", json={"service": "long"}, headers=asel
    )
    client.post(f"/api/v1/tickets/{ticket}/start", headers=bearer(client, "aibek"))
    send_on_served = client.post(
        f"/api/v1/tickets/{ticket}/transfer", json={"service": "long"}, headers=asel
    )

    for refused in (cancel_called, send_on_called, send_on_served):
        assert refused.status_code == 403, refused.text
        assert refused.json()["code"] == "forbidden"
    assert _status(sessions, ticket) == "serving"
    with sessions() as session:
        assert session.scalar(select(Ticket).where(Ticket.transferred_from_id == ticket)) is None


def test_the_clerk_at_the_window_and_a_manager_still_can(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    ticket = _served_at_window_1(client, sessions)
    make_staff(sessions, "gulnara", Role.manager, ["bsk"])
    waiting = walk_in(sessions, now=utcnow()).id

    # Nobody has a citizen still in line: any clerk of the office may cancel them.
    in_line = client.post(f"/api/v1/tickets/{waiting}/cancel", headers=bearer(client, "asel"))
    client.post(f"/api/v1/tickets/{ticket}/start", headers=bearer(client, "aibek"))
    own = client.post(
        f"/api/v1/tickets/{ticket}/transfer",
        json={"service": "long"},
        headers=bearer(client, "aibek"),
    )
    sent_on = own.json()["id"]
    client.post("/api/v1/offices/bsk/windows/1/call-next", headers=bearer(client, "aibek"))
    by_manager = client.post(f"/api/v1/tickets/{sent_on}/cancel", headers=bearer(client, "gulnara"))

    assert in_line.status_code == 200 and in_line.json()["status"] == "cancelled"
    assert own.status_code == 201 and own.json()["code"] == "L-001"
    assert by_manager.status_code == 200 and by_manager.json()["status"] == "cancelled"


def test_the_console_refuses_a_transfer_of_another_windows_citizen(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    ticket = _served_at_window_1(client, sessions)
    client.headers["Accept-Language"] = "ru"
    login = client.get("/staff/login")
    submit(client, login, "/staff/login", username="asel", password=PASSWORD)
    client.get("/console/bsk?window=2")

    # Asel's console holds no transfer form: she writes one for the citizen at window 1.
    forged = client.post(
        "/console/bsk/transfer",
        data={
            "csrf_token": form_token(client),
            "window": "2",
            "ticket": str(ticket),
            "service": "long",
        },
    )

    assert forged.status_code == 409
    assert "Здесь это сделать нельзя." in forged.text
    assert _status(sessions, ticket) == "called"
