"""Today's walk-in ticket from a phone, taken before coming, and the check-in on arrival.

In 2025 people stood outside from 4 a.m. for a walk-in ticket. An office that allows it
gives the same ticket to a phone proven by a one-time code, from a set local hour until
the line closes, up to a number a day: the holder follows it on the ticket page and by
message, comes when told, and checks in at the kiosk (the ticket's code and the phone's
last four digits, or the ticket's secret) or at the door (the code of the day that the
kiosk's screen shows, typed on the ticket page). Until then the ticket keeps its place but
is not called (``kezek.queue.policy``).

Both limits hold in the database: the day's count of tickets from phones is a counter row
incremented only while below the office's number, in the statement that takes the row's
lock, so the last places cannot be given twice; and one ticket per phone, office and day
is a unique index, against which a second request finds the first ticket and answers
with it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kezek.codes import TICKET_SECRET_LENGTH, crockford
from kezek.db import dialect_insert, violated_constraint
from kezek.errors import Conflict, NotFound
from kezek.network.directory import Directory, OfficeInfo
from kezek.network.plan import closes_at
from kezek.queue.closing import refuse_if_closed
from kezek.queue.models import QueueEvent, Ticket, TicketKind, TicketStatus
from kezek.queue.tickets import (
    COUNTERS,
    TICKETS,
    Issued,
    find_today,
    hash_ticket_secret,
    new_ticket,
    typed_secret,
)

# The day's count of tickets given to phones, kept beside the numbering counters under a
# prefix no service can have (service prefixes are capital letters).
REMOTE_COUNTER = "~"
DOOR_CODE_DIGITS = 4


class RemoteRefused(Conflict):
    code = "remote_ticket_refused"
    title = "No ticket from a phone can be taken now"


class RemoteFull(Conflict):
    code = "remote_tickets_full"
    title = "Today's tickets from a phone are all taken"


class RemoteCheckInRefused(Conflict):
    code = "remote_check_in_refused"
    title = "This ticket cannot be checked in"


@dataclass(frozen=True)
class RemoteIssued:
    issued: Issued
    new: bool  # False: the phone's ticket taken earlier today


def remote_secret(secret: bytes, *, office_id: int, day: date, phone: str) -> str:
    """The ticket's secret, the same each time the phone asks: a repeated request gives
    the same link. Known only to whoever proves the phone, or holds the server's key."""
    digest = hmac.new(secret, f"remote-ticket/{office_id}/{day}/{phone}".encode(), hashlib.sha256)
    return crockford(digest.digest(), TICKET_SECRET_LENGTH)


def door_code(secret: bytes, *, office_id: int, day: date) -> str:
    """The office's code of the day, shown on the kiosk's screen: typing it on the ticket
    page proves the holder is at the door. A new one each day; nothing stored."""
    digest = hmac.new(secret, f"door-code/{office_id}/{day}".encode(), hashlib.sha256).digest()
    return f"{int.from_bytes(digest[:8], 'big') % 10**DOOR_CODE_DIGITS:0{DOOR_CODE_DIGITS}d}"


def issue_remote(
    session: Session,
    *,
    directory: Directory,
    office_code: str,
    service_code: str,
    phone: str,
    language: str,
    secret: bytes,
    now: datetime,
) -> RemoteIssued:
    """Today's walk-in ticket for a proven phone, or the one it took earlier today."""
    office = directory.office(session, office_code)
    service = office.service(service_code)
    day = now.astimezone(office.zone).date()
    ticket_secret = remote_secret(secret, office_id=office.id, day=day, phone=phone)
    taken = _phones_ticket(session, office_id=office.id, day=day, phone=phone)
    if taken is not None:
        return RemoteIssued(Issued(taken, _secret_of(taken, ticket_secret)), new=False)
    _refuse_outside_hours(session, office, now=now)
    if not _count_one(session, office=office, day=day):
        raise RemoteFull(
            "Today's tickets from a phone are all taken. Come to the office and take one at "
            "the kiosk, or book a time.",
            field="office",
        )
    savepoint = session.begin_nested()
    try:
        issued = new_ticket(
            session,
            office=office,
            service_id=service.id,
            prefix=service.ticket_prefix,
            kind=TicketKind.walk_in,
            group=None,
            arrived_at=now,
            ticket_secret=ticket_secret,
            actor=f"phone:{phone[-4:]}",
            phone=phone,
            language=language,
            remote=True,
        )
    except IntegrityError as exc:
        if violated_constraint(exc) != "uq_ticket_remote_phone":
            raise
        # The same phone's other request committed first: answer with its ticket, and give
        # back the place this one counted.
        savepoint.rollback()
        _uncount_one(session, office_id=office.id, day=day)
        taken = _phones_ticket(session, office_id=office.id, day=day, phone=phone)
        assert taken is not None, "the unique index names a committed ticket"
        return RemoteIssued(Issued(taken, _secret_of(taken, ticket_secret)), new=False)
    savepoint.commit()
    return RemoteIssued(issued, new=True)


def _phones_ticket(session: Session, *, office_id: int, day: date, phone: str) -> Ticket | None:
    return session.scalar(
        select(Ticket)
        .where(
            Ticket.office_id == office_id,
            Ticket.day == day,
            Ticket.phone == phone,
            Ticket.remote,
        )
        .execution_options(populate_existing=True)
    )


def _secret_of(ticket: Ticket, derived: str) -> str:
    if not hmac.compare_digest(ticket.secret_hash, hash_ticket_secret(derived)):
        # Reprinted at the office: the link given to the phone was cancelled on purpose.
        raise RemoteRefused(
            f"This phone's ticket {ticket.code} was reprinted at the office. Follow it with "
            "the new receipt.",
            field="phone",
            reason="reprinted",
        )
    return derived


def _refuse_outside_hours(session: Session, office: OfficeInfo, *, now: datetime) -> None:
    remote = office.remote
    if remote is None:
        raise RemoteRefused(
            "This office gives tickets at its kiosk only. Come to the office, or book a time.",
            field="office",
            reason="not_offered",
        )
    local = now.astimezone(office.zone)
    closing = closes_at(office.plan, local.date())
    if closing is None or now >= closing:
        raise RemoteRefused(
            "The office is closed for today. Take a ticket from the next open day on, or "
            "book a time.",
            field="office",
            reason="closed",
        )
    if local.time() < remote.opens_at:
        raise RemoteRefused(
            f"Tickets from a phone are given from {remote.opens_at:%H:%M} (office time). "
            "Try again then.",
            field="office",
            reason="not_yet",
            opens_at=f"{remote.opens_at:%H:%M}",
        )
    refuse_if_closed(session, office=office, day=local.date())


def _count_one(session: Session, *, office: OfficeInfo, day: date) -> bool:
    """Count one more ticket from a phone, if the day has a place left; whether it had."""
    assert office.remote is not None
    row = {"office_id": office.id, "day": day, "prefix": REMOTE_COUNTER, "last_number": 1}
    statement = _count_statement(session.get_bind().dialect.name)
    counted = session.execute(statement, {**row, "per_day": office.remote.per_day}).first()
    return counted is not None


@cache
def _count_statement(dialect_name: str) -> Any:
    # The upsert locks the day's row: requests at once take turns, and each sees the
    # count the one before left. Past the number, it changes nothing and returns no row.
    insert = dialect_insert(dialect_name, COUNTERS)
    return insert.on_conflict_do_update(
        index_elements=[COUNTERS.c.office_id, COUNTERS.c.day, COUNTERS.c.prefix],
        set_={"last_number": COUNTERS.c.last_number + 1},
        where=COUNTERS.c.last_number < bindparam("per_day"),
    ).returning(COUNTERS.c.last_number)


def _uncount_one(session: Session, *, office_id: int, day: date) -> None:
    session.execute(
        update(COUNTERS)
        .where(
            COUNTERS.c.office_id == office_id,
            COUNTERS.c.day == day,
            COUNTERS.c.prefix == REMOTE_COUNTER,
        )
        .values(last_number=COUNTERS.c.last_number - 1)
    )


def remote_taken(session: Session, *, office_id: int, day: date) -> int:
    """How many tickets phones took at the office on the day."""
    taken = session.scalar(
        select(COUNTERS.c.last_number).where(
            COUNTERS.c.office_id == office_id,
            COUNTERS.c.day == day,
            COUNTERS.c.prefix == REMOTE_COUNTER,
        )
    )
    return taken or 0


def check_in_at_kiosk(
    session: Session,
    *,
    office: OfficeInfo,
    code: str,
    phone_last4: str | None,
    ticket_secret: str | None,
    now: datetime,
    actor: str | None,
) -> Ticket:
    """The holder at the kiosk: today's ticket by its code, with the phone's last four
    digits or the ticket's secret."""
    ticket = find_today(session, office=office, code=code, now=now)
    if ticket is None or not ticket.remote:
        raise NotFound(
            f"No ticket {code} from a phone is in line at this office today. Check the code.",
            field="code",
        )
    if ticket_secret:
        proven = hmac.compare_digest(
            ticket.secret_hash, hash_ticket_secret(typed_secret(ticket_secret))
        )
        field = "ticket_secret"
    else:
        digits = re.sub(r"\D", "", phone_last4 or "")
        proven = len(digits) == 4 and ticket.phone is not None and ticket.phone.endswith(digits)
        field = "phone_last4"
    if not proven:
        what = "secret" if field == "ticket_secret" else "last four digits of the phone"
        raise RemoteCheckInRefused(
            f"The {what} do not match ticket {ticket.code}. Check them and try again.",
            field=field,
            reason="mismatch",
        )
    return _check_in(session, ticket, now=now, actor=actor)


def check_in_at_door(
    session: Session,
    *,
    directory: Directory,
    ticket_id: int,
    ticket_secret: str,
    typed_code: str,
    secret: bytes,
    now: datetime,
) -> Ticket:
    """The holder at the door types the code of the day on the ticket page."""
    ticket = session.get(Ticket, ticket_id) if 0 < ticket_id < 2**31 else None
    if ticket is None or not hmac.compare_digest(
        ticket.secret_hash, hash_ticket_secret(typed_secret(ticket_secret))
    ):
        raise NotFound("No ticket has this number and secret.", field="ticket")
    if not ticket.remote:
        raise RemoteCheckInRefused(
            "This ticket was taken at the office: it needs no check-in.",
            field="ticket",
            reason="not_remote",
        )
    office = directory.office_by_id(session, ticket.office_id)
    today = now.astimezone(office.zone).date()
    expected = door_code(secret, office_id=office.id, day=today)
    typed = re.sub(r"\D", "", typed_code)
    if ticket.day != today or not hmac.compare_digest(typed, expected):
        raise RemoteCheckInRefused(
            "This is not today's code. Type the code shown on the screen by the door.",
            field="door_code",
            reason="wrong_code",
        )
    return _check_in(session, ticket, now=now, actor="door")


def _check_in(session: Session, ticket: Ticket, *, now: datetime, actor: str | None) -> Ticket:
    """Checked in, once: conditional, so a call passing the ticket over at this instant
    and the check-in cannot both win. Checking in again changes nothing."""
    checked = session.execute(
        update(TICKETS)
        .where(
            TICKETS.c.id == ticket.id,
            TICKETS.c.status == TicketStatus.waiting.value,
            TICKETS.c.checked_in_at.is_(None),
        )
        .values(checked_in_at=now, updated_at=now)
        .returning(TICKETS.c.id)
    ).first()
    session.refresh(ticket)
    if checked is not None:
        session.add(
            QueueEvent(
                ticket_id=ticket.id,
                office_id=ticket.office_id,
                kind="checked_in",
                at=now,
                actor=actor,
                detail={"remote": True},
            )
        )
        session.flush()
        return ticket
    if ticket.checked_in_at is not None:
        return ticket
    if ticket.status == TicketStatus.no_show:
        raise RemoteCheckInRefused(
            f"Ticket {ticket.code} missed its turn twice and was closed. Take a new ticket at "
            "the kiosk.",
            field="ticket",
            reason="missed",
        )
    raise RemoteCheckInRefused(
        f"Ticket {ticket.code} is {ticket.status}: it is no longer in line.",
        field="ticket",
        reason="not_waiting",
    )
