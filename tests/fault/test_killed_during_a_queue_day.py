"""kill -9 the server while windows call: no ticket is lost, none is served twice.

Two kiosks issue walk-in tickets and four clerks call, start and finish them at their
windows through ``kezek serve`` with two workers. Every request carries an Idempotency-Key
and is sent again with the same key until it is answered, through the outage, as the kiosk
and the console do. Three times during the day, the whole server is killed with SIGKILL
and started again. When the line is empty, every ticket a kiosk was given exists
once, and every ticket was called once and finished once, by one clerk.
"""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kezek.queue.models import QueueEvent, Ticket, TicketStatus
from kezek.staff.models import Role
from tests.conftest import TEST_SECRET
from tests.integration.staff.helpers import PASSWORD, make_staff
from tests.server import free_port, killable_server

KIOSKS = 2
TICKETS_EACH = 25
WINDOWS = 4
KILLS = 3
SERVED_BETWEEN_KILLS = 8
OFFICE = "/api/v1/offices/big"


class Day:
    """What the kiosks and the clerks were answered, shared by their threads."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.lock = threading.Lock()
        self.issued: dict[str, set[int]] = defaultdict(set)  # key -> ticket ids answered
        self.finished: dict[int, list[str]] = defaultdict(list)  # ticket id -> clerks
        self.kiosks_done = threading.Event()
        self.served = threading.Semaphore(0)

    def send(self, http: httpx.Client, path: str, *, key: str, **kwargs: Any) -> httpx.Response:
        """POST until answered: through a dead server and 503s, always with the same key."""
        headers = {**kwargs.pop("headers", {}), "Idempotency-Key": key}
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                response = http.post(path, headers=headers, **kwargs)
            except httpx.TransportError:
                time.sleep(0.2)
                continue
            if response.status_code < 500:
                return response
            time.sleep(0.2)
        raise AssertionError(f"{path} was never answered")


def _token(day: Day, http: httpx.Client, username: str) -> dict[str, str]:
    body = {"username": username, "password": PASSWORD}
    response = day.send(http, "/api/v1/auth/token", key=uuid.uuid4().hex, json=body)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _kiosk(day: Day, number: int) -> None:
    with httpx.Client(base_url=day.base, timeout=5) as http:
        headers = _token(day, http, f"kiosk{number}")
        for _ in range(TICKETS_EACH):
            key = uuid.uuid4().hex
            issued = day.send(
                http, f"{OFFICE}/tickets", key=key, json={"service": "quick"}, headers=headers
            )
            assert issued.status_code == 201, issued.text
            with day.lock:
                day.issued[key].add(issued.json()["id"])


def _clerk(day: Day, window: int) -> None:
    with httpx.Client(base_url=day.base, timeout=5) as http:
        name = f"clerk{window}"
        headers = _token(day, http, name)
        opened = day.send(
            http, f"{OFFICE}/windows/{window}/open", key=uuid.uuid4().hex, json={}, headers=headers
        )
        assert opened.status_code == 200, opened.text
        while True:
            called = day.send(
                http, f"{OFFICE}/windows/{window}/call-next", key=uuid.uuid4().hex, headers=headers
            )
            if called.status_code == 204:
                if day.kiosks_done.is_set():
                    return
                time.sleep(0.05)
                continue
            assert called.status_code == 200, called.text
            ticket = called.json()["id"]
            for action in ("start", "finish"):
                done = day.send(
                    http,
                    f"/api/v1/tickets/{ticket}/{action}",
                    key=uuid.uuid4().hex,
                    headers=headers,
                )
                assert done.status_code == 200, (action, done.text)
            with day.lock:
                day.finished[ticket].append(name)
            day.served.release()


def test_killed_while_windows_call_no_ticket_is_lost_or_served_twice(
    database_url: str, sessions: sessionmaker[Session], network: None, tmp_path: Path
) -> None:
    for number in range(KIOSKS):
        make_staff(sessions, f"kiosk{number}", Role.clerk, ["big"])
    for window in range(1, WINDOWS + 1):
        make_staff(sessions, f"clerk{window}", Role.clerk, ["big"])
    env = {
        "KEZEK_DATABASE_URL": database_url,
        "KEZEK_SECRET_KEY": TEST_SECRET,
        "KEZEK_VAR_DIR": str(tmp_path),
    }
    port = free_port()
    day = Day(f"http://127.0.0.1:{port}")
    kiosks = [threading.Thread(target=_kiosk, args=(day, n)) for n in range(KIOSKS)]
    clerks = [threading.Thread(target=_clerk, args=(day, w)) for w in range(1, WINDOWS + 1)]

    served_before_kills = []
    for kill in range(KILLS):
        with killable_server(env=env, port=port) as server:
            if kill == 0:
                for thread in kiosks + clerks:
                    thread.start()
            for _ in range(SERVED_BETWEEN_KILLS):  # some tickets are served…
                assert day.served.acquire(timeout=60)
            os.killpg(server.pid, signal.SIGKILL)  # …then the power goes, mid-call
            server.wait()
            with day.lock:
                served_before_kills.append(len(day.finished))
    with killable_server(env=env, port=port):
        for thread in kiosks:
            thread.join(timeout=120)
        day.kiosks_done.set()
        for thread in clerks:
            thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in kiosks + clerks)

    with sessions() as session:
        stored = {ticket.id: ticket.status for ticket in session.scalars(select(Ticket))}
        events = Counter(
            (event.ticket_id, event.kind) for event in session.scalars(select(QueueEvent))
        )
    answered = {ticket for ids in day.issued.values() for ticket in ids}
    assert 0 < served_before_kills[-1] < KIOSKS * TICKETS_EACH  # the kills fell mid-day
    assert len(day.issued) == KIOSKS * TICKETS_EACH
    assert all(len(ids) == 1 for ids in day.issued.values())  # one ticket per kiosk request
    assert answered == set(stored)  # every ticket given out exists, and no other
    assert set(stored.values()) == {TicketStatus.done}  # none lost in the line or at a window
    for ticket in stored:
        assert events[ticket, "called"] == events[ticket, "finish"] == 1, ticket
        assert len(day.finished[ticket]) == 1, day.finished[ticket]
