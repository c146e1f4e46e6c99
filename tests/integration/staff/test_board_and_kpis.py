"""The board shows calls and queues without names; managers see the day's KPIs."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from kezek.db import run_transaction
from kezek.network.directory import Directory
from kezek.queue import tickets
from kezek.queue.kpis import day_kpis
from kezek.queue.models import Ticket
from kezek.staff.models import Role
from kezek.types import utcnow
from tests.integration.staff.helpers import bearer, make_staff

OFFICE = "/api/v1/offices/bsk"


def _day_with_three_tickets(client: TestClient, sessions: sessionmaker[Session]) -> dict[str, str]:
    make_staff(sessions, "aibek", Role.clerk, ["bsk"])
    headers = bearer(client, "aibek")
    client.post(f"{OFFICE}/windows/1/open", json={}, headers=headers)
    for service in ("quick", "quick", "long"):
        client.post(f"{OFFICE}/tickets", json={"service": service}, headers=headers)
    first = client.post(f"{OFFICE}/windows/1/call-next", headers=headers).json()
    client.post(f"/api/v1/tickets/{first['id']}/start", headers=headers)
    client.post(f"/api/v1/tickets/{first['id']}/finish", headers=headers)
    second = client.post(f"{OFFICE}/windows/1/call-next", headers=headers).json()
    client.post(f"/api/v1/tickets/{second['id']}/no_show", headers=headers)
    client.post(f"{OFFICE}/windows/1/call-next", headers=headers)
    return headers


def test_the_board_shows_calls_windows_and_waiting_counts(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    _day_with_three_tickets(client, sessions)

    shown = client.get(f"{OFFICE}/board")

    assert shown.status_code == 200
    body = shown.json()
    assert [call["code"] for call in body["last_calls"]] == ["L-001", "Q-002", "Q-001"]
    assert body["last_calls"][0]["window"] == "1"
    assert body["last_calls"][0]["at"].endswith("+06:00")
    assert body["at_windows"] == [{"window": "1", "code": "L-001", "status": "called"}]
    assert body["waiting"] == {"long": 0, "other": 0, "quick": 0}
    assert "full_name" not in shown.text


def test_kpis_count_the_day(client: TestClient, sessions: sessionmaker[Session]) -> None:
    headers = _day_with_three_tickets(client, sessions)

    response = client.get(f"{OFFICE}/kpis", headers=headers)

    assert response.status_code == 200, response.text
    kpis = response.json()
    assert (kpis["issued"], kpis["served"], kpis["no_show"], kpis["waiting_now"]) == (3, 1, 1, 0)
    assert kpis["mean_wait_minutes"] is not None and kpis["mean_wait_minutes"] >= 0
    assert set(kpis["utilization"]) == {"1"}
    assert 0 <= kpis["utilization"]["1"] <= 1


def test_kpis_need_a_member_of_the_office(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    make_staff(sessions, "other", Role.manager, ["big"])

    response = client.get(f"{OFFICE}/kpis", headers=bearer(client, "other"))

    assert response.status_code == 403


def test_wait_and_service_figures(sessions: sessionmaker[Session], network: None) -> None:
    directory = Directory(max_age=0)
    start = utcnow() - timedelta(hours=2)
    for minutes_waited in (5, 10, 30):
        issued = run_transaction(
            sessions,
            partial(
                tickets.issue_walk_in,
                directory=directory,
                office_code="bsk",
                service_code="quick",
                group=None,
                now=start,
            ),
        ).ticket
        with sessions.begin() as session:
            ticket = session.get(Ticket, issued.id)
            assert ticket is not None
            ticket.status = "done"
            ticket.called_at = start + timedelta(minutes=minutes_waited)
            ticket.started_at = ticket.called_at
            ticket.ended_at = ticket.called_at + timedelta(minutes=8)

    with sessions() as session:
        office = directory.office(session, "bsk")
        figures = day_kpis(session, office=office, day=issued.day, now=utcnow())

    assert figures.mean_wait == timedelta(minutes=15)
    assert figures.p90_wait == timedelta(minutes=30)
    assert figures.longest_wait == timedelta(minutes=30)
    assert figures.mean_service == timedelta(minutes=8)
    assert figures.served == 3
