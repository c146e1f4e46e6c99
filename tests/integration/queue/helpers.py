"""Shortcuts for the queue tests: a clock in the Bishkek office's day and quick ticket calls."""

from __future__ import annotations

from datetime import datetime, time
from functools import partial

from sqlalchemy.orm import Session, sessionmaker

from kezek.db import run_transaction
from kezek.network.directory import Directory
from kezek.queue import tickets
from kezek.queue.models import Ticket
from tests.factories import ZONES, local_day

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
) -> Ticket | None:
    work = partial(
        tickets.call_next,
        directory=DIRECTORY,
        office_code=office,
        window_code=window,
        services=services,
        now=now,
    )
    return run_transaction(sessions, work)
