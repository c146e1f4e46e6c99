"""Tickets: issued at the kiosk or by checking in a booking, called to windows, served.

Every change is a conditional update from the states it may leave, plus one event row in
the same transaction, so two clerks can never move one ticket two ways.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kezek.booking.identity import document_hash
from kezek.booking.manage import owned_booking
from kezek.booking.models import BookingStatus
from kezek.codes import CROCKFORD, TICKET_SECRET_LENGTH, crockford
from kezek.db import dialect_insert, violated_constraint
from kezek.errors import Conflict, Invalid, NotFound
from kezek.network.directory import Directory, OfficeInfo
from kezek.queue.candidates import waiting_for_window
from kezek.queue.closing import refuse_if_closed
from kezek.queue.models import QueueEvent, Ticket, TicketCounter, TicketKind, TicketStatus
from kezek.queue.policy import CallingWindow, CheckIn, Passing, policy_for

COUNTERS: Table = TicketCounter.__table__  # type: ignore[assignment]
TICKETS: Table = Ticket.__table__  # type: ignore[assignment]

# Which states each action may start from.
ALLOWED_FROM: dict[str, tuple[TicketStatus, ...]] = {
    "start": (TicketStatus.called,),
    "finish": (TicketStatus.serving,),
    "no_show": (TicketStatus.called,),
    "recall": (TicketStatus.called,),
    "requeue": (TicketStatus.called, TicketStatus.serving),
    "cancel": (TicketStatus.waiting, TicketStatus.called),
    "transfer": (TicketStatus.waiting, TicketStatus.called, TicketStatus.serving),
}


class TicketNotInState(Conflict):
    code = "ticket_state"
    title = "The ticket is not in a state that allows this"


class WindowBusy(Conflict):
    code = "window_busy"
    title = "A citizen is already at this window"


class CheckInRefused(Conflict):
    code = "check_in_refused"
    title = "This appointment cannot be checked in"


@dataclass(frozen=True)
class Issued:
    ticket: Ticket
    secret: str  # printed on the ticket; stored only as a hash


def issue_walk_in(
    session: Session,
    *,
    directory: Directory,
    office_code: str,
    service_code: str,
    group: str | None,
    now: datetime,
    ticket_secret: str | None = None,
    actor: str | None = None,
) -> Issued:
    office = directory.office(session, office_code)
    service = office.service(service_code)
    refuse_if_closed(session, office=office, day=now.astimezone(office.zone).date())
    return new_ticket(
        session,
        office=office,
        service_id=service.id,
        prefix=service.ticket_prefix,
        kind=TicketKind.walk_in,
        group=group,
        arrived_at=now,
        ticket_secret=ticket_secret,
        actor=actor,
    )


def check_in(
    session: Session,
    *,
    directory: Directory,
    office_code: str,
    reference: str,
    document_number: str,
    secret: bytes,
    now: datetime,
    ticket_secret: str | None = None,
    actor: str | None = None,
) -> Issued:
    """A ticket for the holder of a booking, who has come to the office."""
    booking, citizen = owned_booking(
        session,
        reference=reference,
        proof=document_hash(document_number, secret=secret),
        lock=True,
    )
    if booking.status != BookingStatus.confirmed:
        raise CheckInRefused(f"This booking is {booking.status}.", field="reference")
    office = directory.office_by_id(session, booking.office_id)
    service = directory.service_by_id(session, booking.service_id)
    if office.code != office_code:
        raise CheckInRefused(
            f"This booking is for {office.name['en']}. Check in there.",
            field="reference",
            reason="other_office",
        )
    if now.astimezone(office.zone).date() != booking.starts_at.astimezone(office.zone).date():
        raise CheckInRefused(
            "This booking is for another day. Come on the booked day, or move the booking.",
            field="reference",
            reason="other_day",
        )
    if session.scalar(select(Ticket.id).where(Ticket.booking_id == booking.id)) is not None:
        raise CheckInRefused(
            "This booking is already checked in.", field="reference", reason="already"
        )
    verdict = policy_for(office.queue_config).check_in(
        appointment_at=booking.starts_at, arrived_at=now
    )
    if verdict is CheckIn.refused:
        raise CheckInRefused(
            "The appointment time has passed. Take a walk-in ticket or book a new time.",
            field="reference",
            reason="too_late",
        )
    late = verdict is CheckIn.late_walk_in
    if late:  # a walk-in now: no longer once the line has closed
        refuse_if_closed(session, office=office, day=now.astimezone(office.zone).date())
    return new_ticket(
        session,
        office=office,
        service_id=service.id,
        prefix=service.ticket_prefix,
        kind=TicketKind.walk_in if late else TicketKind.appointment,
        group=None,
        arrived_at=now,
        appointment_at=None if late else booking.starts_at,
        booking_id=booking.id,
        ticket_secret=ticket_secret,
        actor=actor,
        # The booking's phone is told when the ticket is near and when it is called.
        phone=citizen.phone,
        language=booking.language,
    )


def new_ticket(
    session: Session,
    *,
    office: OfficeInfo,
    service_id: int,
    prefix: str,
    kind: TicketKind,
    group: str | None,
    arrived_at: datetime,
    appointment_at: datetime | None = None,
    booking_id: int | None = None,
    transferred_from_id: int | None = None,
    ticket_secret: str | None = None,
    actor: str | None = None,
    now: datetime | None = None,
    phone: str | None = None,
    language: str | None = None,
    remote: bool = False,
) -> Issued:
    """A new waiting ticket; ``ticket_secret`` is given when it must be known in advance.

    ``actor`` is who issued it: the kiosk's account, or the clerk who transferred it.
    ``now`` is when, if not at its arrival: a citizen sent on keeps their first arrival for
    their place in line, but the log says when the new ticket was made."""
    issued_at = now or arrived_at
    day = arrived_at.astimezone(office.zone).date()
    number = _next_number(session, office_id=office.id, day=day, prefix=prefix)
    ticket_secret = ticket_secret or new_ticket_secret()
    ticket = Ticket(
        office_id=office.id,
        service_id=service_id,
        day=day,
        prefix=prefix,
        number=number,
        kind=kind,
        group=group,
        booking_id=booking_id,
        status=TicketStatus.waiting,
        arrived_at=arrived_at,
        appointment_at=appointment_at,
        transferred_from_id=transferred_from_id,
        secret_hash=hash_ticket_secret(ticket_secret),
        updated_at=issued_at,
        remote=remote,
        phone=phone,
        language=language,
    )
    session.add(ticket)
    session.flush()
    detail: dict[str, Any] = {"kind": kind.value, **({"remote": True} if remote else {})}
    _event(session, ticket, "issued", at=issued_at, actor=actor, detail=detail)
    return Issued(ticket, ticket_secret)


_BY_CODE = select(Ticket).where(
    Ticket.office_id == bindparam("office_id"),
    Ticket.day == bindparam("day"),
    Ticket.prefix == bindparam("prefix"),
    Ticket.number == bindparam("number"),
)
_STILL_IN_LINE = (TicketStatus.waiting, TicketStatus.called, TicketStatus.serving)


def reissue(
    session: Session,
    *,
    office: OfficeInfo,
    code: str,
    now: datetime,
    actor: str,
    ticket_secret: str | None = None,
) -> Issued:
    """Today's ticket ``code`` (A-014, a014, A14, А-014 typed in Cyrillic) with a new
    secret, for a lost receipt: the holder's old link stops working, so whoever found the
    receipt cannot follow it. ``ticket_secret`` is given when it must be known in advance."""
    ticket = find_today(session, office=office, code=code, now=now)
    if ticket is None or ticket.status not in _STILL_IN_LINE:
        raise NotFound(
            f"No ticket {code} is in line at this office today. Check the code.", field="code"
        )
    ticket_secret = ticket_secret or new_ticket_secret()
    ticket.secret_hash = hash_ticket_secret(ticket_secret)
    ticket.updated_at = now
    session.flush()
    _event(session, ticket, "reprinted", at=now, actor=actor)
    return Issued(ticket, ticket_secret)


def find_today(session: Session, *, office: OfficeInfo, code: str, now: datetime) -> Ticket | None:
    """Today's ticket ``code`` at the office, as typed (A-014, a014, A14, А-014 typed in
    Cyrillic), locked until the transaction ends; None if there is none."""
    typed = code.upper().translate(_LATIN_LOOKALIKES)
    match = re.fullmatch(r"\s*([A-Z]{1,2})\s*-?\s*0*(\d{1,6})\s*", typed)
    if match is None:
        return None
    return session.scalar(
        _BY_CODE.with_for_update(),
        {
            "office_id": office.id,
            "day": now.astimezone(office.zone).date(),
            "prefix": match.group(1),
            "number": int(match.group(2)),
        },
    )


# Ticket prefixes typed on a Russian keyboard: the Cyrillic letters that look Latin.
_LATIN_LOOKALIKES = str.maketrans("АВЕКМНОРСТУХ", "ABEKMHOPCTYX")


def new_ticket_secret() -> str:
    return crockford(secrets.token_bytes(8), TICKET_SECRET_LENGTH)


def typed_secret(text: str) -> str:
    """A secret as typed from the receipt (lower case, a dash, O for 0) in its printed form;
    anything else as it is, so the longer secrets of earlier tickets still match."""
    code = text.replace("-", "").replace(" ", "").upper().translate(_LOOKALIKES)
    if len(code) == TICKET_SECRET_LENGTH and all(ch in CROCKFORD for ch in code):
        return code
    return text


_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})


def hash_ticket_secret(ticket_secret: str) -> str:
    return hashlib.sha256(ticket_secret.encode()).hexdigest()


def _next_number(session: Session, *, office_id: int, day: Any, prefix: str) -> int:
    statement = _counter_statement(session.get_bind().dialect.name)
    row = {"office_id": office_id, "day": day, "prefix": prefix, "last_number": 1}
    number: int = session.connection().execute(statement, row).scalar_one()
    return number


@cache
def _counter_statement(dialect_name: str) -> Any:
    insert = dialect_insert(dialect_name, COUNTERS)
    return insert.on_conflict_do_update(
        index_elements=[COUNTERS.c.office_id, COUNTERS.c.day, COUNTERS.c.prefix],
        set_={"last_number": COUNTERS.c.last_number + 1},
    ).returning(COUNTERS.c.last_number)


_CLAIM = (
    select(Ticket)
    .where(Ticket.id == bindparam("ticket_id"), Ticket.status == TicketStatus.waiting)
    .with_for_update(skip_locked=True)
)


# What may happen to the citizen called to a window, when the clerk calls the next one.
SETTLE_BEFORE_CALLING = ("no_show", "requeue")


def call_next(
    session: Session,
    *,
    directory: Directory,
    office_code: str,
    window_code: str,
    services: frozenset[str] | None,
    now: datetime,
    actor: str | None = None,
    settle: str | None = None,
) -> Ticket | None:
    """Call the ticket the policy picks for this window; None when nobody waits for it.

    A window holds one citizen at a time. One called and not yet started must first be
    settled: ``settle`` marks them a no-show, or puts them back in line at their first
    arrival ("requeue"; they are called next time, not now). Anyone being served must be
    finished first. A unique index on the ticket's window enforces this in the database.

    Candidates are tried best first. On PostgreSQL each is locked with SKIP LOCKED, so a
    ticket that another window is taking at this instant is passed over, not waited for;
    on SQLite the write transaction already runs alone.
    """
    office = directory.office(session, office_code)
    window = calling_window(office, window_code, services)
    skipped = _settle_window(
        session, window_id=office.window_ids[window.code], settle=settle, now=now, actor=actor
    )
    day = now.astimezone(office.zone).date()
    waiting = waiting_for_window(session, office=office, window=window, day=day)
    policy = policy_for(office.queue_config)
    line = policy.line(window, waiting, now)
    for candidate in line:
        if candidate.id == skipped or candidate.absent:
            continue
        claimed = session.scalar(_CLAIM, {"ticket_id": candidate.id})
        if claimed is None:
            continue
        claimed.status = TicketStatus.called
        claimed.window_id = office.window_ids[window.code]
        claimed.called_at = now
        claimed.calls += 1
        claimed.updated_at = now
        try:
            session.flush()
        except IntegrityError as exc:
            if violated_constraint(exc) != "uq_ticket_at_window":
                raise
            # Another call to this window committed first: it holds its citizen now.
            raise WindowBusy(
                f"Window {window.code} has just called someone else.", reason="race"
            ) from None
        _event(session, claimed, "called", at=now, actor=actor)
        _pass_absent(session, policy.passing(line, candidate, now), now=now, actor=actor)
        return claimed
    return None


# Conditional: a holder checking in at this instant keeps the ticket; whichever commits
# first wins, and the other changes nothing.
_PASS_OVER = (
    update(TICKETS)
    .where(
        TICKETS.c.id == bindparam("ticket_id"),
        TICKETS.c.status == TicketStatus.waiting.value,
        TICKETS.c.checked_in_at.is_(None),
        TICKETS.c.passed_over_at.is_(None),
    )
    .values(passed_over_at=bindparam("now"), updated_at=bindparam("now"))
    .returning(TICKETS.c.office_id)
)
_MISSED = (
    update(TICKETS)
    .where(
        TICKETS.c.id == bindparam("ticket_id"),
        TICKETS.c.status == TicketStatus.waiting.value,
        TICKETS.c.checked_in_at.is_(None),
        TICKETS.c.passed_over_at.is_not(None),
    )
    .values(
        status=TicketStatus.no_show.value, ended_at=bindparam("now"), updated_at=bindparam("now")
    )
    .returning(TICKETS.c.office_id)
)


def _pass_absent(session: Session, passing: Passing, *, now: datetime, actor: str | None) -> None:
    """Pass over the absent ticket whose turn came, and end those that missed it twice.

    In the order of their ids, so that two windows calling at once lock them in one order."""
    changes = [(ticket.id, "no_show", _MISSED) for ticket in passing.no_shows]
    if passing.passed_over is not None:
        changes.append((passing.passed_over.id, "passed_over", _PASS_OVER))
    for ticket_id, kind, statement in sorted(changes, key=lambda change: change[0]):
        office_id = session.execute(statement, {"ticket_id": ticket_id, "now": now}).scalar()
        if office_id is not None:
            session.add(
                QueueEvent(
                    ticket_id=ticket_id,
                    office_id=office_id,
                    kind=kind,
                    at=now,
                    actor=actor,
                    detail={"remote": True},
                )
            )
    session.flush()


_AT_WINDOW = select(Ticket).where(
    Ticket.window_id == bindparam("window_id"),
    Ticket.status.in_((TicketStatus.called, TicketStatus.serving)),
)
_AT_WINDOW_LOCKED = _AT_WINDOW.with_for_update()


def at_windows(session: Session, *, office_id: int) -> list[Ticket]:
    """The citizens called to or served at any of the office's windows."""
    return list(
        session.scalars(
            select(Ticket).where(
                Ticket.office_id == office_id,
                Ticket.window_id.is_not(None),
                Ticket.status.in_((TicketStatus.called, TicketStatus.serving)),
            )
        )
    )


def at_window(session: Session, window_id: int, *, lock: bool = True) -> Ticket | None:
    """The citizen called to or served at the window (locked, unless only shown); None
    when the window is free."""
    return session.scalar(_AT_WINDOW_LOCKED if lock else _AT_WINDOW, {"window_id": window_id})


def _settle_window(
    session: Session, *, window_id: int, settle: str | None, now: datetime, actor: str | None
) -> int | None:
    """Free the window for the next call; the id of a ticket put back in line, if any."""
    present = _not_serving(session, window_id)
    if present is None:
        return None
    if settle not in SETTLE_BEFORE_CALLING:
        raise WindowBusy(
            f"Ticket {present.code} is called to this window. Start it, mark it a no-show, "
            "or put it back in line before calling the next one.",
            ticket=present.code,
            reason="called",
        )
    act_on(session, ticket=present, action=settle, now=now, actor=actor)
    return present.id if settle == "requeue" else None


def release_window(
    session: Session, *, window_id: int, now: datetime, actor: str | None, force: bool = False
) -> Ticket | None:
    """A window closes: its called citizen goes back in line, keeping the first arrival.

    Refused while someone is being served there, unless ``force`` (a manager closing a
    window its clerk left: the citizen there is served at another). Returns the ticket put
    back, if any.
    """
    present = at_window(session, window_id) if force else _not_serving(session, window_id)
    if present is None:
        return None
    return act_on(session, ticket=present, action="requeue", now=now, actor=actor)


def _not_serving(session: Session, window_id: int) -> Ticket | None:
    """The citizen called to the window, locked; refused while one is being served there."""
    present = at_window(session, window_id)
    if present is not None and present.status == TicketStatus.serving:
        raise WindowBusy(
            f"Ticket {present.code} is being served at this window. Finish it, or transfer "
            "it, first.",
            ticket=present.code,
            reason="serving",
        )
    return present


def calling_window(
    office: OfficeInfo, window_code: str, services: frozenset[str] | None
) -> CallingWindow:
    plan = next((w for w in office.plan.windows if w.code == window_code), None)
    if plan is None:
        raise NotFound(f"Office '{office.code}' has no window '{window_code}'.", field="window")
    chosen = plan.services if services is None else services
    if not chosen <= plan.services or not chosen:
        allowed = ", ".join(sorted(plan.services))
        raise Invalid(
            f"Window {window_code} can serve only: {allowed}. Choose among them.",
            field="services",
        )
    return CallingWindow(window_code, frozenset(chosen), plan.group)


def act(
    session: Session,
    *,
    ticket_id: int,
    action: str,
    now: datetime,
    actor: str | None = None,
) -> Ticket:
    """start, finish, no_show, recall, requeue or cancel a ticket, if its state allows it."""
    return act_on(session, ticket=locked(session, ticket_id), action=action, now=now, actor=actor)


_LOCKED = select(Ticket).where(Ticket.id == bindparam("ticket_id")).with_for_update()


def locked(session: Session, ticket_id: int) -> Ticket:
    """The ticket, locked until the transaction ends: no other window moves it meanwhile."""
    ticket = session.scalar(_LOCKED, {"ticket_id": ticket_id})
    if ticket is None:
        raise NotFound(f"There is no ticket {ticket_id}.", field="ticket")
    return ticket


def act_on(
    session: Session, *, ticket: Ticket, action: str, now: datetime, actor: str | None = None
) -> Ticket:
    """``act`` for a ticket already ``locked`` in this transaction."""
    allowed = ALLOWED_FROM[action]
    if ticket.status not in allowed:
        raise TicketNotInState(
            f"Ticket {ticket.code} is {ticket.status}; '{action}' needs it {' or '.join(allowed)}."
        )
    _apply_action(ticket, action, now)
    ticket.updated_at = now
    session.flush()
    _event(session, ticket, action, at=now, actor=actor)
    return ticket


def _apply_action(ticket: Ticket, action: str, now: datetime) -> None:
    if action == "start":
        ticket.status, ticket.started_at = TicketStatus.serving, now
    elif action == "finish":
        ticket.status, ticket.ended_at = TicketStatus.done, now
    elif action == "no_show":
        ticket.status, ticket.ended_at = TicketStatus.no_show, now
    elif action == "recall":
        ticket.called_at = now
        ticket.calls += 1
    elif action == "requeue":
        # Back in line with its original arrival time: it keeps its place.
        ticket.status, ticket.window_id, ticket.started_at = TicketStatus.waiting, None, None
    elif action == "cancel":
        ticket.status, ticket.ended_at = TicketStatus.cancelled, now


def transfer(
    session: Session,
    *,
    directory: Directory,
    ticket_id: int,
    service_code: str,
    now: datetime,
    actor: str | None = None,
    ticket_secret: str | None = None,
) -> Issued:
    """Send a citizen on to another service: a new ticket that keeps the first arrival time."""
    old = act(session, ticket_id=ticket_id, action="transfer", now=now, actor=actor)
    office = directory.office_by_id(session, old.office_id)
    service = office.service(service_code)
    old.status, old.ended_at = TicketStatus.transferred, now
    issued = new_ticket(
        session,
        office=office,
        service_id=service.id,
        prefix=service.ticket_prefix,
        kind=TicketKind(old.kind),
        group=old.group,
        arrived_at=old.arrived_at,
        appointment_at=old.appointment_at,
        transferred_from_id=old.id,
        ticket_secret=ticket_secret,
        actor=actor,
        now=now,
        # Not remote: the citizen is at the office. The phone is told as before.
        phone=old.phone,
        language=old.language,
    )
    return issued


def _event(
    session: Session,
    ticket: Ticket,
    kind: str,
    *,
    at: datetime,
    actor: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    session.add(
        QueueEvent(
            ticket_id=ticket.id,
            office_id=ticket.office_id,
            kind=kind,
            at=at,
            window_id=ticket.window_id,
            actor=actor,
            detail=detail or {},
        )
    )
    session.flush()
