"""A window whose clerk went home, or was disabled, does not hold its citizen for good: a
manager closes it (API and dashboard), and disabling the clerk closes it too; the citizen
there goes back in line at their first arrival."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from kezek.queue.models import Ticket
from kezek.staff.models import Role
from kezek.types import utcnow
from tests.integration.queue.helpers import walk_in
from tests.integration.staff.helpers import PASSWORD, bearer, make_staff
from tests.integration.web.pages import form_token, submit, text


def _served_at_window_2(client: TestClient, sessions: sessionmaker[Session]) -> Ticket:
    make_staff(sessions, "aibek", Role.clerk, ["bsk"])
    make_staff(sessions, "asel", Role.clerk, ["bsk"])
    make_staff(sessions, "gulnara", Role.manager, ["bsk"])
    ticket = walk_in(sessions, now=utcnow())
    aibek = bearer(client, "aibek")
    client.post("/api/v1/offices/bsk/windows/2/open", json={}, headers=aibek)
    client.post("/api/v1/offices/bsk/windows/2/call-next", headers=aibek)
    client.post(f"/api/v1/tickets/{ticket.id}/start", headers=aibek)
    return ticket


def _ticket(sessions: sessionmaker[Session], ticket_id: int) -> Ticket:
    with sessions() as session:
        found = session.get(Ticket, ticket_id)
        assert found is not None
        return found


def test_a_manager_sees_the_windows_and_closes_one_left_open(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    ticket = _served_at_window_2(client, sessions)
    manager = bearer(client, "gulnara")

    seen = client.get("/api/v1/offices/bsk/windows", headers=manager)
    by_clerk = client.post("/api/v1/offices/bsk/windows/2/close", headers=bearer(client, "asel"))
    not_for_clerks = client.get("/api/v1/offices/bsk/windows", headers=bearer(client, "asel"))
    closed = client.post("/api/v1/offices/bsk/windows/2/close", headers=manager)
    after = client.get("/api/v1/offices/bsk/windows", headers=manager)

    assert seen.status_code == 200
    assert [(w["window"], w["clerk"], w["ticket"], w["ticket_status"]) for w in seen.json()] == [
        ("2", "aibek", "Q-001", "serving")
    ]
    assert by_clerk.status_code == 409 and by_clerk.json()["code"] == "window_not_open"
    assert not_for_clerks.status_code == 403
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert after.json() == []
    back = _ticket(sessions, ticket.id)
    assert back.status == "waiting" and back.window_id is None
    assert back.arrived_at == ticket.arrived_at  # their place in line kept


def test_disabling_a_clerk_closes_their_windows(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    ticket = _served_at_window_2(client, sessions)
    make_staff(sessions, "root", Role.admin, [])
    client.headers["Accept-Language"] = "ru"
    submit(client, client.get("/staff/login"), "/staff/login", username="root", password=PASSWORD)

    client.post(
        "/admin/staff/disable", data={"csrf_token": form_token(client), "username": "aibek"}
    )

    assert _ticket(sessions, ticket.id).status == "waiting"
    assert client.get("/api/v1/offices/bsk/windows", headers=bearer(client, "gulnara")).json() == []


def test_the_dashboard_lists_the_windows_and_closes_one(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    ticket = _served_at_window_2(client, sessions)
    client.headers["Accept-Language"] = "ru"
    submit(
        client, client.get("/staff/login"), "/staff/login", username="gulnara", password=PASSWORD
    )

    dashboard = client.get("/dashboard")
    page = client.get("/dashboard/windows/bsk")
    closed = submit(client, page, "/dashboard/windows/bsk/close")

    assert 'href="/dashboard/windows/bsk"' in dashboard.text
    assert "Aibek" in text(page) and "Q-001 · Обслуживается" in text(page)
    assert closed.status_code == 200 and "Окно 2 закрыто." in text(closed)
    assert "Ни одно окно не открыто." in text(closed)
    assert _ticket(sessions, ticket.id).status == "waiting"
