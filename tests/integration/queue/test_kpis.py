"""A day's KPIs: what managers see, the wait and service figures, and a transferred citizen's
second wait counted from the transfer, not from arrival."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from kezek.db import run_transaction
from kezek.queue import tickets
from kezek.queue.kpis import day_kpis
from kezek.queue.models import Ticket
from kezek.staff.models import Role
from kezek.types import utcnow
from tests.integration.queue.helpers import DIRECTORY, at, call, three_tickets_at_window_1, walk_in
from tests.integration.staff.helpers import bearer, make_staff


def test_kpis_count_the_day(client: TestClient, sessions: sessionmaker[Session]) -> None:
    headers = three_tickets_at_window_1(client, sessions)

    response = client.get("/api/v1/offices/bsk/kpis", headers=headers)

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

    response = client.get("/api/v1/offices/bsk/kpis", headers=bearer(client, "other"))

    assert response.status_code == 403


def test_wait_and_service_figures(sessions: sessionmaker[Session], network: None) -> None:
    start = utcnow() - timedelta(hours=2)
    for minutes_waited in (5, 10, 30):
        issued = walk_in(sessions, now=start)
        with sessions.begin() as session:
            ticket = session.get(Ticket, issued.id)
            assert ticket is not None
            ticket.status = "done"
            ticket.called_at = start + timedelta(minutes=minutes_waited)
            ticket.started_at = ticket.called_at
            ticket.ended_at = ticket.called_at + timedelta(minutes=8)

    with sessions() as session:
        office = DIRECTORY.office(session, "bsk")
        figures = day_kpis(session, office=office, day=issued.day, now=utcnow())

    assert figures.mean_wait == timedelta(minutes=15)
    assert figures.p90_wait == timedelta(minutes=30)
    assert figures.longest_wait == timedelta(minutes=30)
    assert figures.mean_service == timedelta(minutes=8)
    assert figures.served == 3


def test_a_transfer_waits_from_the_transfer(sessions: sessionmaker[Session], network: None) -> None:
    first = walk_in(sessions, now=at(9))
    call(sessions, window="1", now=at(9, 10))
    run_transaction(
        sessions, partial(tickets.act, ticket_id=first.id, action="start", now=at(9, 10))
    )
    moved = run_transaction(
        sessions,
        partial(
            tickets.transfer,
            directory=DIRECTORY,
            ticket_id=first.id,
            service_code="other",
            now=at(9, 30),
        ),
    ).ticket
    second = call(sessions, window="3", now=at(9, 35))

    with sessions() as session:
        office = DIRECTORY.office(session, "bsk")
        figures = day_kpis(session, office=office, day=first.day, now=at(10))

    assert second is not None and second.id == moved.id
    assert figures.issued == 1
    # 10 minutes before the first window, 5 between the transfer and the second call.
    assert figures.mean_wait == timedelta(minutes=7, seconds=30)
    assert figures.longest_wait == timedelta(minutes=10)
