"""What the display board in the office shows: the last calls, who is at which window, how
many are waiting for each service. No names: only ticket numbers and windows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kezek.codes import ticket_code
from kezek.network.directory import OfficeInfo
from kezek.queue.models import Ticket, TicketStatus

LAST_CALLS = 10


@dataclass(frozen=True)
class Call:
    code: str
    window: str
    at: datetime


@dataclass(frozen=True)
class AtWindow:
    window: str
    code: str
    status: str


@dataclass(frozen=True)
class Board:
    office: OfficeInfo
    last_calls: list[Call]
    at_windows: list[AtWindow]
    waiting: dict[str, int]  # by service code, every service of the office


def board(session: Session, *, office: OfficeInfo, now: datetime) -> Board:
    day = now.astimezone(office.zone).date()
    windows = office.window_codes
    codes = office.service_codes
    # From the tickets, not the event log: a recall moves called_at, so each ticket shows once
    # at its latest call, and the index on (office, day, called_at) reads just those rows.
    calls = session.execute(
        select(Ticket.prefix, Ticket.number, Ticket.window_id, Ticket.called_at)
        .where(
            Ticket.office_id == office.id,
            Ticket.day == day,
            Ticket.called_at.is_not(None),
            Ticket.window_id.is_not(None),
        )
        .order_by(Ticket.called_at.desc(), Ticket.id.desc())
        .limit(LAST_CALLS)
    )
    present = session.execute(
        select(Ticket.prefix, Ticket.number, Ticket.window_id, Ticket.status).where(
            Ticket.office_id == office.id,
            Ticket.day == day,
            Ticket.status.in_((TicketStatus.called, TicketStatus.serving)),
        )
    )
    counts = session.execute(
        select(Ticket.service_id, func.count())
        .where(
            Ticket.office_id == office.id,
            Ticket.day == day,
            Ticket.status == TicketStatus.waiting,
        )
        .group_by(Ticket.service_id)
    )
    waiting = dict.fromkeys(codes.values(), 0)
    for service_id, count in counts:
        if service_id in codes:
            waiting[codes[service_id]] = count
    return Board(
        office=office,
        last_calls=[
            Call(ticket_code(prefix, number), windows.get(window_id or 0, "?"), at)
            for prefix, number, window_id, at in calls
            if at is not None
        ],
        at_windows=sorted(
            (
                AtWindow(windows.get(window_id or 0, "?"), ticket_code(prefix, number), status)
                for prefix, number, window_id, status in present
            ),
            key=lambda row: (len(row.window), row.window),
        ),
        waiting=waiting,
    )
