from __future__ import annotations

from functools import partial

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kezek.db import run_transaction
from kezek.queue import tickets
from kezek.queue.models import QueueEvent, Ticket
from kezek.queue.tickets import TicketNotInState
from kezek.staff.models import Role
from tests.integration.queue.helpers import DIRECTORY, at, call, walk_in
from tests.integration.staff.helpers import bearer, make_staff


def _act(sessions: sessionmaker[Session], ticket_id: int, action: str, minute: int) -> Ticket:
    work = partial(tickets.act, ticket_id=ticket_id, action=action, now=at(10, minute))
    return run_transaction(sessions, work)


def test_a_ticket_goes_waiting_called_serving_done(
    sessions: sessionmaker[Session], network: None
) -> None:
    ticket = walk_in(sessions, now=at(9))
    call(sessions, window="2", now=at(10))

    started = _act(sessions, ticket.id, "start", 1)
    done = _act(sessions, ticket.id, "finish", 9)

    assert (started.status, done.status) == ("serving", "done")
    assert done.started_at == at(10, 1) and done.ended_at == at(10, 9)
    with sessions() as session:
        kinds = session.scalars(select(QueueEvent.kind).order_by(QueueEvent.id)).all()
        windows = set(
            session.scalars(select(QueueEvent.window_id).where(QueueEvent.kind != "issued"))
        )
    assert kinds == ["issued", "called", "start", "finish"]
    assert len(windows) == 1 and None not in windows


def test_recall_then_no_show(sessions: sessionmaker[Session], network: None) -> None:
    ticket = walk_in(sessions, now=at(9))
    call(sessions, window="1", now=at(10))

    recalled = _act(sessions, ticket.id, "recall", 2)
    gone = _act(sessions, ticket.id, "no_show", 4)

    assert recalled.calls == 2 and recalled.called_at == at(10, 2)
    assert gone.status == "no_show"


def test_requeue_keeps_the_place_in_line(sessions: sessionmaker[Session], network: None) -> None:
    first = walk_in(sessions, now=at(9))
    walk_in(sessions, now=at(9, 5))
    call(sessions, window="1", now=at(10))

    _act(sessions, first.id, "requeue", 1)
    again = call(sessions, window="2", now=at(10, 2))

    assert again is not None and again.id == first.id


@pytest.mark.parametrize(
    ("action", "status"), [("start", "waiting"), ("finish", "called"), ("no_show", "waiting")]
)
def test_an_action_from_the_wrong_state_is_refused(
    sessions: sessionmaker[Session], network: None, action: str, status: str
) -> None:
    ticket = walk_in(sessions, now=at(9))
    if status == "called":
        call(sessions, window="1", now=at(10))

    with pytest.raises(TicketNotInState):
        _act(sessions, ticket.id, action, 1)
    with sessions() as session:
        assert session.get(Ticket, ticket.id).status == status  # type: ignore[union-attr]


def test_transfer_keeps_the_first_arrival(sessions: sessionmaker[Session], network: None) -> None:
    ticket = walk_in(sessions, now=at(9))
    call(sessions, window="1", now=at(10))
    _act(sessions, ticket.id, "start", 1)
    walk_in(sessions, now=at(9, 30), service="other")

    work = partial(
        tickets.transfer,
        directory=DIRECTORY,
        ticket_id=ticket.id,
        service_code="other",
        now=at(10, 5),
    )
    moved = run_transaction(sessions, work).ticket
    called = call(sessions, window="3", now=at(10, 6))

    assert moved.code == "O-002" and moved.arrived_at == at(9)
    assert moved.transferred_from_id == ticket.id
    assert called is not None and called.id == moved.id  # ahead of the 09:30 arrival
    with sessions() as session:
        assert session.get(Ticket, ticket.id).status == "transferred"  # type: ignore[union-attr]


def test_a_transfer_over_the_api_keeps_the_arrival(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    make_staff(sessions, "aibek", Role.clerk, ["bsk"])
    headers = bearer(client, "aibek")
    issued = client.post("/api/v1/offices/bsk/tickets", json={"service": "quick"}, headers=headers)

    moved = client.post(
        f"/api/v1/tickets/{issued.json()['id']}/transfer",
        json={"service": "other"},
        headers=headers,
    )
    again = client.post(
        f"/api/v1/tickets/{issued.json()['id']}/transfer", json={"service": "long"}, headers=headers
    )

    assert moved.status_code == 201, moved.text
    assert moved.json()["code"] == "O-001"
    assert moved.json()["arrived_at"] == issued.json()["arrived_at"]
    assert again.status_code == 409
