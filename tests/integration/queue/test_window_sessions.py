"""A clerk opens a window for some of its services, pauses it and closes it."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from kezek.staff.models import Role
from kezek.types import utcnow
from tests.integration.queue.helpers import walk_in
from tests.integration.staff.helpers import bearer, make_staff

WINDOW = "/api/v1/offices/bsk/windows/1"


def test_an_open_window_calls_only_the_services_chosen(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    make_staff(sessions, "aibek", Role.clerk, ["bsk"])
    headers = bearer(client, "aibek")
    walk_in(sessions, now=utcnow())
    walk_in(sessions, now=utcnow(), service="long")

    opened = client.post(f"{WINDOW}/open", json={"services": ["long"]}, headers=headers)
    called = client.post(f"{WINDOW}/call-next", headers=headers)
    client.post(f"/api/v1/tickets/{called.json()['id']}/start", headers=headers)
    client.post(f"/api/v1/tickets/{called.json()['id']}/finish", headers=headers)
    nothing_more = client.post(f"{WINDOW}/call-next", headers=headers)

    assert opened.status_code == 200 and opened.json()["services"] == ["long"]
    assert called.json()["code"] == "L-001"
    assert nothing_more.status_code == 204


def test_a_closed_or_paused_window_calls_nobody(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    make_staff(sessions, "aibek", Role.clerk, ["bsk"])
    headers = bearer(client, "aibek")
    walk_in(sessions, now=utcnow())

    never_opened = client.post(f"{WINDOW}/call-next", headers=headers)
    client.post(f"{WINDOW}/open", json={}, headers=headers)
    paused = client.post(f"{WINDOW}/pause", headers=headers)
    while_paused = client.post(f"{WINDOW}/call-next", headers=headers)
    resumed = client.post(f"{WINDOW}/resume", headers=headers)
    after_resume = client.post(f"{WINDOW}/call-next", headers=headers)
    closed = client.post(f"{WINDOW}/close", headers=headers)

    assert never_opened.status_code == while_paused.status_code == 409
    assert never_opened.json()["code"] == "window_not_open"
    assert paused.json()["status"] == "paused" and resumed.json()["status"] == "open"
    assert after_resume.status_code == 200
    assert closed.json()["status"] == "closed"


def test_times_come_in_the_office_offset(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    make_staff(sessions, "aibek", Role.clerk, ["bsk"])
    walk_in(sessions, now=utcnow())

    headers = bearer(client, "aibek")
    opened = client.post(f"{WINDOW}/open", json={}, headers=headers).json()
    called = client.post(f"{WINDOW}/call-next", headers=headers).json()

    assert called["arrived_at"].endswith("+06:00") and called["called_at"].endswith("+06:00")
    assert opened["opened_at"].endswith("+06:00")


def test_one_clerk_per_window(client: TestClient, sessions: sessionmaker[Session]) -> None:
    make_staff(sessions, "aibek", Role.clerk, ["bsk"])
    make_staff(sessions, "nurlan", Role.clerk, ["bsk"])
    first, second = bearer(client, "aibek"), bearer(client, "nurlan")

    client.post(f"{WINDOW}/open", json={}, headers=first)
    taken = client.post(f"{WINDOW}/open", json={}, headers=second)
    not_theirs = client.post(f"{WINDOW}/call-next", headers=second)
    client.post(f"{WINDOW}/close", headers=first)
    free_again = client.post(f"{WINDOW}/open", json={}, headers=second)

    assert taken.status_code == 409 and taken.json()["code"] == "window_in_use"
    assert not_theirs.status_code == 409
    assert free_again.status_code == 200


def test_a_window_serves_only_its_own_services(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    make_staff(sessions, "aibek", Role.clerk, ["bsk"])

    response = client.post(
        f"{WINDOW}/open", json={"services": ["other"]}, headers=bearer(client, "aibek")
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "services"


def test_a_clerk_cannot_finish_a_ticket_at_another_clerks_window(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    make_staff(sessions, "aibek", Role.clerk, ["bsk"])
    make_staff(sessions, "nurlan", Role.clerk, ["bsk"])
    make_staff(sessions, "gulnara", Role.manager, ["bsk"])
    aibek, nurlan = bearer(client, "aibek"), bearer(client, "nurlan")
    walk_in(sessions, now=utcnow())
    client.post(f"{WINDOW}/open", json={}, headers=aibek)
    client.post("/api/v1/offices/bsk/windows/2/open", json={}, headers=nurlan)
    ticket = client.post(f"{WINDOW}/call-next", headers=aibek).json()

    taken = client.post(f"/api/v1/tickets/{ticket['id']}/start", headers=nurlan)
    started = client.post(f"/api/v1/tickets/{ticket['id']}/start", headers=aibek)
    by_manager = client.post(
        f"/api/v1/tickets/{ticket['id']}/finish", headers=bearer(client, "gulnara")
    )

    assert taken.status_code == 403
    assert started.status_code == 200 and started.json()["status"] == "serving"
    assert by_manager.status_code == 200 and by_manager.json()["status"] == "done"
