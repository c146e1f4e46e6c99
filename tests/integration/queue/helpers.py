"""Shortcuts for the queue tests: a clock in the Bishkek office's day, quick ticket calls, and
a short day through the API."""

from __future__ import annotations

from datetime import datetime, time
from functools import partial

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from kezek.db import run_transaction
from kezek.network.directory import Directory
from kezek.queue import tickets
from kezek.queue.models import Ticket
from kezek.staff.models import Role
from tests.factories import ZONES, local_day
from tests.integration.staff.helpers import bearer, make_staff

DIRECTORY = Directory(max_age=0)


def at(hour: int, minute: int = 0, *, office: str = "bsk", days_ahead: int = 1) -> datetime:
    day = local_day(office, days_ahead=days_ahead)
    return datetime.combine(day, time(hour, minute), tzinfo=ZONES[office])


def walk_in(
    sessions: sessionmaker[Session],
    *,
    now: datetime,
    service: str = "quick",
    group: str | None = None,
    office: str = "bsk",
) -> Ticket:
    work = partial(
        tickets.issue_walk_in,
        directory=DIRECTORY,
        office_code=office,
        service_code=service,
        group=group,
        now=now,
    )
    return run_transaction(sessions, work).ticket


def call(
    sessions: sessionmaker[Session],
    *,
    window: str,
    now: datetime,
    services: frozenset[str] | None = None,
    office: str = "bsk",
    settle: str | None = None,
) -> Ticket | None:
    """Call-next at a window; ``settle`` says what becomes of the citizen called there."""
    work = partial(
        tickets.call_next,
        directory=DIRECTORY,
        office_code=office,
        window_code=window,
        services=services,
        now=now,
        settle=settle,
    )
    return run_transaction(sessions, work)


def three_tickets_at_window_1(
    client: TestClient, sessions: sessionmaker[Session]
) -> dict[str, str]:
    """Clerk aibek at the Bishkek office's window 1, through the API: Q-001 served, Q-002 a
    no-show, L-001 called. Returns aibek's headers."""
    make_staff(sessions, "aibek", Role.clerk, ["bsk"])
    headers = bearer(client, "aibek")
    office = "/api/v1/offices/bsk"
    client.post(f"{office}/windows/1/open", json={}, headers=headers)
    for service in ("quick", "quick", "long"):
        client.post(f"{office}/tickets", json={"service": service}, headers=headers)
    first = client.post(f"{office}/windows/1/call-next", headers=headers).json()
    client.post(f"/api/v1/tickets/{first['id']}/start", headers=headers)
    client.post(f"/api/v1/tickets/{first['id']}/finish", headers=headers)
    second = client.post(f"{office}/windows/1/call-next", headers=headers).json()
    client.post(f"/api/v1/tickets/{second['id']}/no_show", headers=headers)
    client.post(f"{office}/windows/1/call-next", headers=headers)
    return headers
