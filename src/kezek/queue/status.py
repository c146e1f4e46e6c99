"""What a citizen holding a ticket sees: its place in line and when it should be called."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from kezek.booking.models import Booking, BookingStatus
from kezek.network.directory import Directory, OfficeInfo
from kezek.network.models import Window
from kezek.problems import NotFound
from kezek.queue.estimate import OpenWindow, ServiceTimes, estimate_calls
from kezek.queue.models import Ticket, TicketStatus
from kezek.queue.policy import CallingWindow, WaitingTicket
from kezek.queue.tickets import hash_ticket_secret
from kezek.queue.windows import open_windows


@dataclass(frozen=True)
class TicketStatusView:
    ticket: Ticket
    office: OfficeInfo
    position: int | None  # 1 = next; None once called, or when no open window serves it
    estimated_call_at: datetime | None
    window: str | None


def ticket_status(
    session: Session,
    *,
    directory: Directory,
    ticket_id: int,
    ticket_secret: str,
    now: datetime,
) -> TicketStatusView:
    ticket = session.get(Ticket, ticket_id)
    if ticket is None or not hmac.compare_digest(
        ticket.secret_hash, hash_ticket_secret(ticket_secret)
    ):
        raise NotFound("No ticket has this number and secret.", field="ticket")
    office = directory.office_by_id(session, ticket.office_id)
    window = session.get(Window, ticket.window_id) if ticket.window_id else None
    if ticket.status != TicketStatus.waiting:
        return TicketStatusView(ticket, office, None, None, window.code if window else None)
    estimates = _estimates(session, office=office, day=ticket.day, now=now)
    mine = estimates.get(ticket.id)
    position = None if mine is None else 1 + sum(1 for at in estimates.values() if at < mine)
    return TicketStatusView(ticket, office, position, mine, None)


def _estimates(
    session: Session, *, office: OfficeInfo, day: date, now: datetime
) -> dict[int, datetime]:
    codes = {service.id: service.code for service in office.services}
    today = list(
        session.scalars(select(Ticket).where(Ticket.office_id == office.id, Ticket.day == day))
    )
    times = _service_times(office, today)
    busy_until = {
        ticket.window_id: (ticket.started_at or ticket.called_at or now)
        + times.mean(codes.get(ticket.service_id, ""))
        for ticket in today
        if ticket.status in (TicketStatus.called, TicketStatus.serving) and ticket.window_id
    }
    window_codes = {window_id: code for code, window_id in office.window_ids.items()}
    plans = {window.code: window for window in office.plan.windows}
    windows = []
    for current in open_windows(session, office_id=office.id):
        code = window_codes.get(current.window_id)
        if code is None or code not in plans:
            continue
        calling = CallingWindow(code, frozenset(current.services), plans[code].group)
        windows.append(OpenWindow(calling, busy_until.get(current.window_id, now)))
    waiting = [
        WaitingTicket(t.id, codes.get(t.service_id, ""), t.arrived_at, t.group, t.appointment_at)
        for t in today
        if t.status == TicketStatus.waiting
    ]
    return estimate_calls(
        policy=office.policy,
        waiting=waiting,
        windows=windows,
        service_times=times,
        now=now,
        expected=_expected_appointments(session, office=office, today=today, now=now),
    )


def _expected_appointments(
    session: Session, *, office: OfficeInfo, today: list[Ticket], now: datetime
) -> list[WaitingTicket]:
    """Today's bookings not checked in yet, that may still be: they will go before walk-ins.

    Each joins the line when it becomes due; the ids are negative so as never to meet a
    ticket's.
    """
    codes = {service.id: service.code for service in office.services}
    config = office.policy.config
    checked_in = {ticket.booking_id for ticket in today if ticket.booking_id is not None}
    day_ends = datetime.combine(
        now.astimezone(office.zone).date() + timedelta(days=1), time(), tzinfo=office.zone
    )
    rows = session.execute(
        select(Booking.id, Booking.service_id, Booking.starts_at).where(
            Booking.office_id == office.id,
            Booking.status == BookingStatus.confirmed,
            Booking.starts_at > now - config.late_grace,
            Booking.starts_at < day_ends,
        )
    )
    return [
        WaitingTicket(
            -booking_id,
            codes.get(service_id, ""),
            arrived_at=starts_at - config.call_early,
            appointment_at=starts_at,
        )
        for booking_id, service_id, starts_at in rows
        if booking_id not in checked_in
    ]


def _service_times(office: OfficeInfo, today: list[Ticket]) -> ServiceTimes:
    """Configured durations, moved towards how long today's finished services really took."""
    codes = {service.id: service.code for service in office.services}
    times = ServiceTimes(
        {service.code: timedelta(minutes=service.duration_minutes) for service in office.services}
        | {"": timedelta(0)}
    )
    finished = [t for t in today if t.status == TicketStatus.done and t.started_at and t.ended_at]
    for ticket in sorted(finished, key=lambda t: t.ended_at or t.arrived_at):
        code = codes.get(ticket.service_id)
        if code is not None and ticket.started_at and ticket.ended_at:
            times.observe(code, ticket.ended_at - ticket.started_at)
    return times
