"""The end of a queue day: who was still waiting goes home "not served today", on record.

In 2025 people queued from 4 a.m. and many went home unserved; without an end of day their
tickets would say "waiting" for good, their phones would keep promising a call, and no
figure would show how many there were. So each office's day closes at its closing time
(the last window's), or earlier when a manager closes the line: every ticket still waiting
becomes ``not_served`` with an event of its own, and the day is recorded so that no more
tickets are issued for it. A day already past also closes the tickets left called at a
window. Closing is idempotent, so any number of server processes may run it at once.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import Table, insert, select, update
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
    left = [TicketStatus.waiting]
    if day < now.astimezone(office.zone).date():
        left.append(TicketStatus.called)  # nobody will start them now
    closed = list(
        session.execute(
            update(Ticket)
            .where(Ticket.office_id == office.id, Ticket.day == day, Ticket.status.in_(left))
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
    if (
        closing is not None
        and now >= closing
        # Closed early by a manager, a transfer may still have put someone in line since.
        and (
            not is_closed(session, office=office, day=today) or _waiting_on(session, office, today)
        )
    ):
        past.append(today)
    return sorted(past)


def is_closed(session: Session, *, office: OfficeInfo, day: date) -> bool:
    return session.get(QueueDayClosure, (office.id, day)) is not None


def refuse_if_closed(session: Session, *, office: OfficeInfo, day: date) -> None:
    """No ticket for a day whose line has closed."""
    if is_closed(session, office=office, day=day):
        raise QueueClosed(
            "The line at this office is closed for today. Come back on the next open day, "
            "or book a time.",
            field="office",
        )


def _waiting_on(session: Session, office: OfficeInfo, day: date) -> bool:
    found = session.scalar(
        select(Ticket.id)
        .where(
            Ticket.office_id == office.id,
            Ticket.day == day,
            Ticket.status == TicketStatus.waiting,
        )
        .limit(1)
    )
    return found is not None
