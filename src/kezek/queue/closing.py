"""The end of a queue day: who was still waiting goes home "not served today", on record.

In 2025 people queued from 4 a.m. and many went home unserved; without an end of day their
tickets would say "waiting" for good, their phones would keep promising a call, and no
figure would show how many there were. So each office's day closes at its closing time
(the last window's), or earlier when a manager closes the line: every walk-in still
waiting becomes ``not_served`` with an event of its own, and the day is recorded so that
no more walk-in tickets are issued for it. People with a booking for the day still check
in and are served, and so is whoever a clerk sends on to another service (a transfer):
they were given a time, or are already being seen. Once the day is over, whatever is left
of it is closed, those and the tickets left called at a window included. Closing is
idempotent, so any number of server processes may run it at once.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, func, insert, select, update
from sqlalchemy.orm import Session

from kezek.db import dialect_insert
from kezek.errors import Conflict
from kezek.network.directory import OfficeInfo
from kezek.network.plan import closes_at
from kezek.queue.models import QueueDayClosure, QueueEvent, Ticket, TicketStatus

CLOSURES: Table = QueueDayClosure.__table__  # type: ignore[assignment]
EVENTS: Table = QueueEvent.__table__  # type: ignore[assignment]


class QueueClosed(Conflict):
    code = "queue_closed"
    title = "The line is closed for today"


def close_day(
    session: Session, *, office: OfficeInfo, day: date, now: datetime, actor: str | None = None
) -> int:
    """Close the office's queue ``day``; the number of tickets closed as not served."""
    session.execute(
        _record_closure(session.get_bind().dialect.name),
        {"office_id": office.id, "day": day, "closed_at": now, "actor": actor, "not_served": 0},
    )
    closed = list(
        session.execute(
            update(Ticket)
            .where(Ticket.office_id == office.id, Ticket.day == day, _sent_home(office, day, now))
            .values(status=TicketStatus.not_served, ended_at=now, updated_at=now)
            .returning(Ticket.id, Ticket.window_id)
        )
    )
    if closed:
        session.execute(
            insert(EVENTS),
            [
                {
                    "ticket_id": ticket_id,
                    "office_id": office.id,
                    "kind": TicketStatus.not_served.value,
                    "at": now,
                    "window_id": window_id,
                    "actor": actor,
                    "detail": {},
                }
                for ticket_id, window_id in closed
            ],
        )
        session.execute(
            update(QueueDayClosure)
            .where(QueueDayClosure.office_id == office.id, QueueDayClosure.day == day)
            .values(not_served=QueueDayClosure.not_served + len(closed))
        )
    return len(closed)


def _sent_home(office: OfficeInfo, day: date, now: datetime) -> ColumnElement[bool]:
    """Who the closing sends home: on its day, walk-ins still waiting; once the day is over,
    everyone left waiting or called."""
    if day < now.astimezone(office.zone).date():
        return Ticket.status.in_((TicketStatus.waiting, TicketStatus.called))
    return and_(
        Ticket.status == TicketStatus.waiting,
        Ticket.appointment_at.is_(None),
        Ticket.transferred_from_id.is_(None),
    )


@cache
def _record_closure(dialect_name: str) -> Any:
    # The first closing of a day is kept: when, and by whom.
    return dialect_insert(dialect_name, CLOSURES).on_conflict_do_nothing(
        index_elements=[CLOSURES.c.office_id, CLOSURES.c.day]
    )


def days_to_close(session: Session, *, office: OfficeInfo, now: datetime) -> list[date]:
    """The office's days that have ended and still hold waiting or called tickets, and today
    once its closing time has passed (so that it is recorded as closed)."""
    today = now.astimezone(office.zone).date()
    past = list(
        session.scalars(
            select(Ticket.day)
            .distinct()
            .where(
                Ticket.office_id == office.id,
                Ticket.status.in_((TicketStatus.waiting, TicketStatus.called)),
                Ticket.day < today,
            )
        )
    )
    closing = closes_at(office.plan, today)
    ended = closing is not None and now >= closing
    # Closed already, and still a walk-in waiting: one issued as the line closed.
    if ended and (
        not is_closed(session, office=office, day=today) or _walk_ins_on(session, office, now)
    ):
        past.append(today)
    return sorted(past)


def is_closed(session: Session, *, office: OfficeInfo, day: date) -> bool:
    return session.get(QueueDayClosure, (office.id, day)) is not None


def refuse_if_closed(session: Session, *, office: OfficeInfo, day: date) -> None:
    """No walk-in ticket for a day whose line has closed."""
    if is_closed(session, office=office, day=day):
        raise QueueClosed(
            "The line at this office is closed for today. Come back on the next open day, "
            "or book a time.",
            field="office",
        )


def to_send_home(session: Session, *, office: OfficeInfo, now: datetime) -> int:
    """How many closing the line now would send home: today's walk-ins still waiting."""
    today = now.astimezone(office.zone).date()
    counted = session.scalar(
        select(func.count())
        .select_from(Ticket)
        .where(Ticket.office_id == office.id, Ticket.day == today, _sent_home(office, today, now))
    )
    return counted or 0


def _walk_ins_on(session: Session, office: OfficeInfo, now: datetime) -> bool:
    """Whether a walk-in waits today, as from a kiosk that printed while the line closed."""
    today = now.astimezone(office.zone).date()
    found = session.scalar(
        select(Ticket.id)
        .where(Ticket.office_id == office.id, Ticket.day == today, _sent_home(office, today, now))
        .limit(1)
    )
    return found is not None
