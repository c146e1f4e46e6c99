"""A day's figures for an office, from its tickets and window sessions."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from kezek.network.directory import OfficeInfo
from kezek.queue.models import Ticket, TicketStatus, WindowSession


@dataclass(frozen=True)
class Kpis:
    day: date
    issued: int
    served: int
    no_show: int
    not_served: int  # still waiting when the line closed: sent home, not a no-show
    waiting_now: int
    mean_wait: timedelta | None
    p90_wait: timedelta | None
    longest_wait: timedelta | None
    mean_service: timedelta | None
    utilization: dict[str, float]  # by window: busy time over open time


def day_kpis(session: Session, *, office: OfficeInfo, day: date, now: datetime) -> Kpis:
    tickets = list(
        session.scalars(select(Ticket).where(Ticket.office_id == office.id, Ticket.day == day))
    )
    # A transferred citizen's second ticket is the same person: count arrivals once.
    issued = [t for t in tickets if t.transferred_from_id is None]
    transferred_at = {t.id: t.ended_at for t in tickets if t.status == TicketStatus.transferred}
    waits = [
        _wait(t, transferred_at.get(t.transferred_from_id or 0))
        for t in tickets
        if t.called_at is not None
    ]
    still_waiting = [now - _waiting_since(t) for t in tickets if t.status == TicketStatus.waiting]
    # Those sent home at closing waited the longest of all: until the line closed.
    sent_home = [
        t.ended_at - _waiting_since(t)
        for t in tickets
        if t.status == TicketStatus.not_served and t.ended_at is not None
    ]
    served = [t for t in tickets if t.status == TicketStatus.done]
    services = [t.ended_at - t.started_at for t in served if t.started_at and t.ended_at]
    return Kpis(
        day=day,
        issued=len(issued),
        served=len(served),
        no_show=sum(1 for t in tickets if t.status == TicketStatus.no_show),
        not_served=sum(1 for t in tickets if t.status == TicketStatus.not_served),
        waiting_now=len(still_waiting),
        mean_wait=_mean(waits),
        p90_wait=_percentile(waits, 0.9),
        longest_wait=max([*waits, *still_waiting, *sent_home], default=None),
        mean_service=_mean(services),
        utilization=_utilization(session, office=office, tickets=served, day=day, now=now),
    )


def _waiting_since(ticket: Ticket) -> datetime:
    if ticket.appointment_at is not None:
        return max(ticket.arrived_at, ticket.appointment_at)
    return ticket.arrived_at


def _wait(ticket: Ticket, transferred_at: datetime | None) -> timedelta:
    """From arrival, or for a transferred citizen from the transfer: the first service is
    not waiting, though the policy counts from the first arrival to keep their place."""
    assert ticket.called_at is not None
    since = transferred_at or _waiting_since(ticket)
    return max(ticket.called_at - since, timedelta(0))


def _mean(values: list[timedelta]) -> timedelta | None:
    return sum(values, timedelta(0)) / len(values) if values else None


def _percentile(values: list[timedelta], q: float) -> timedelta | None:
    """Nearest-rank percentile."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def _utilization(
    session: Session, *, office: OfficeInfo, tickets: list[Ticket], day: date, now: datetime
) -> dict[str, float]:
    codes = office.window_codes
    busy: dict[int, timedelta] = defaultdict(timedelta)
    for ticket in tickets:
        if ticket.window_id and ticket.started_at and ticket.ended_at:
            busy[ticket.window_id] += ticket.ended_at - ticket.started_at
    opened: dict[int, timedelta] = defaultdict(timedelta)
    for window_session in session.scalars(
        select(WindowSession).where(WindowSession.office_id == office.id)
    ):
        if window_session.opened_at.astimezone(office.zone).date() != day:
            continue
        closed = window_session.closed_at or now
        opened[window_session.window_id] += max(closed - window_session.opened_at, timedelta(0))
    return {
        codes[window_id]: round(min(busy[window_id] / span, 1.0), 3)
        for window_id, span in opened.items()
        if window_id in codes and span > timedelta(0)
    }
