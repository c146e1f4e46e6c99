"""The live queue over HTTP: kiosk, clerks, the board and the ticket holder's view."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import date as date_type
from datetime import datetime, timedelta
from enum import StrEnum
from functools import partial
from typing import Annotated, TypeVar
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Header, Path, Query, Request, Response, status
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from kezek.booking.identity import document_hash
from kezek.db import read_session, run_transaction
from kezek.deps import AppContext, ContextDep, DocumentNumberDep, ReadSessionDep, StaffDep
from kezek.metrics import TICKETS
from kezek.problems import problems
from kezek.queue import tickets, windows
from kezek.queue.board import board
from kezek.queue.kpis import day_kpis
from kezek.queue.models import Ticket, WindowSession, WindowSessionStatus
from kezek.queue.retries import Answered, answer_once, fingerprint, ticket_secret_for
from kezek.queue.status import ticket_status as status_of
from kezek.staff.models import Role
from kezek.staff.service import Forbidden, Staff
from kezek.types import IsoDate

log = logging.getLogger(__name__)
router = APIRouter(tags=["queue"])
CODE_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
Code = Annotated[str, Path(max_length=32, pattern=CODE_PATTERN)]
QueueKey = Annotated[
    str | None,
    Header(
        max_length=128,
        pattern=r"^[\x21-\x7e]+$",
        description="A random string per request; sent again with a repeat of the request, "
        "it returns the ticket the first one acted on instead of acting twice.",
    ),
]
T = TypeVar("T", bound=BaseModel | None)
# Ids are PostgreSQL integers: a larger number is a 422, not a database error.
TicketId = Annotated[int, Path(ge=1, le=2**31 - 1)]
# What a staff endpoint can answer besides its result.
STAFF_PROBLEMS = problems(401, 403, 404, 409, 422)


class Action(StrEnum):
    start = "start"
    finish = "finish"
    no_show = "no_show"
    recall = "recall"
    requeue = "requeue"
    cancel = "cancel"


class TicketPublic(BaseModel):
    id: int
    code: str
    status: str
    kind: str
    group: str | None
    arrived_at: datetime
    called_at: datetime | None
    window: str | None


class WalkIn(BaseModel):
    service: str = Field(max_length=32, pattern=CODE_PATTERN)
    group: str | None = Field(default=None, max_length=32, pattern=CODE_PATTERN)


class CheckInBody(BaseModel):
    reference: str = Field(max_length=20)


class IssuedPublic(BaseModel):
    id: int
    code: str
    kind: str
    secret: str = Field(description="Printed on the ticket; the holder's key to its status")
    arrived_at: datetime
    appointment_at: datetime | None


class TicketStatusPublic(BaseModel):
    code: str
    status: str
    office: str
    position: int | None = Field(description="1 when next; null once called")
    estimated_call_at: datetime | None
    window: str | None


def _public(ticket: Ticket, *, window_code: str | None, zone: ZoneInfo) -> TicketPublic:
    """Times in the office's own offset, as everywhere the API shows a time."""
    return TicketPublic(
        id=ticket.id,
        code=ticket.code,
        status=ticket.status,
        kind=ticket.kind,
        group=ticket.group,
        arrived_at=ticket.arrived_at.astimezone(zone),
        called_at=ticket.called_at.astimezone(zone) if ticket.called_at else None,
        window=window_code,
    )


class OpenWindow(BaseModel):
    services: list[str] | None = Field(
        default=None, description="The services to serve now; all of the window's if left out"
    )


class WindowSessionPublic(BaseModel):
    window: str
    status: str
    services: list[str]
    opened_at: datetime


class WindowChange(StrEnum):
    pause = "pause"
    resume = "resume"
    close = "close"


_NEW_STATUS = {
    WindowChange.pause: WindowSessionStatus.paused,
    WindowChange.resume: WindowSessionStatus.open,
    WindowChange.close: WindowSessionStatus.closed,
}


@router.post(
    "/offices/{office}/windows/{window}/open",
    response_model=WindowSessionPublic,
    responses=STAFF_PROBLEMS,
)
def open_window(
    office: Code, window: Code, body: OpenWindow, staff: StaffDep, context: ContextDep
) -> WindowSessionPublic:
    """Open the window for some of its services, or change them while it is open."""
    staff.require_office(office)
    services = frozenset(body.services) if body.services is not None else None

    def work(session: Session) -> WindowSessionPublic:
        opened = windows.open_window(
            session,
            directory=context.directory,
            staff=staff,
            office_code=office,
            window_code=window,
            services=services,
            now=context.clock(),
        )
        return _window_public(opened, window, context.directory.office(session, office).zone)

    return run_transaction(context.sessions, work)


def _window_public(current: WindowSession, window: str, zone: ZoneInfo) -> WindowSessionPublic:
    return WindowSessionPublic(
        window=window,
        status=current.status,
        services=current.services,
        opened_at=current.opened_at.astimezone(zone),
    )


@router.post(
    "/offices/{office}/windows/{window}/call-next",
    response_model=TicketPublic,
    responses={204: {"description": "Nobody is waiting for this window"}, **STAFF_PROBLEMS},
)
def call_next(
    office: Code,
    window: Code,
    staff: StaffDep,
    context: ContextDep,
    idempotency_key: QueueKey = None,
) -> Response:
    """Call the next ticket to a window that this clerk has open, for its chosen services."""
    called = call_next_ticket(office, window, staff, context, key=idempotency_key)
    if called.value is None:
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    return _answer(called)


def call_next_ticket(
    office: str, window: str, staff: Staff, context: AppContext, *, key: str | None = None
) -> Answered[TicketPublic | None]:
    """The ticket called, or None when nobody waits; shared by the API and the console."""
    staff.require_office(office)

    def call(session: Session) -> tuple[TicketPublic | None, int | None]:
        info = context.directory.office(session, office)
        tickets.calling_window(info, window, None)  # an unknown window is a 404
        current = windows.current_session(session, window_id=info.window_ids[window])
        if current is None or current.status != "open" or current.staff_id != staff.id:
            raise windows.WindowNotOpen(f"Open window {window} before calling tickets to it.")
        ticket = tickets.call_next(
            session,
            directory=context.directory,
            office_code=office,
            window_code=window,
            services=frozenset(current.services),
            now=context.clock(),
            actor=staff.username,
        )
        if ticket is None:
            return None, None
        context.bus.publish(session, info.id)
        return _public(ticket, window_code=window, zone=info.zone), ticket.id

    return answer_once(
        context.sessions,
        key=key,
        request=fingerprint(staff.id, "call-next", office, window),
        act=call,
        replay=partial(_ticket_now, context=context),
    )


# Declared after call-next, so that "call-next" is never read as a change.
@router.post(
    "/offices/{office}/windows/{window}/{change}",
    response_model=WindowSessionPublic,
    responses=STAFF_PROBLEMS,
)
def change_window(
    office: Code, window: Code, change: WindowChange, staff: StaffDep, context: ContextDep
) -> WindowSessionPublic:
    staff.require_office(office)

    def work(session: Session) -> WindowSessionPublic:
        changed = windows.set_window_status(
            session,
            directory=context.directory,
            staff=staff,
            office_code=office,
            window_code=window,
            status=_NEW_STATUS[change],
            now=context.clock(),
        )
        return _window_public(changed, window, context.directory.office(session, office).zone)

    return run_transaction(context.sessions, work)


class Transfer(BaseModel):
    service: str = Field(max_length=32, pattern=CODE_PATTERN)


@router.post(
    "/tickets/{ticket_id}/transfer",
    response_model=IssuedPublic,
    status_code=201,
    responses=STAFF_PROBLEMS,
)
def transfer(
    ticket_id: TicketId,
    body: Transfer,
    staff: StaffDep,
    context: ContextDep,
    idempotency_key: QueueKey = None,
) -> Response:
    """Send the citizen on to another service: a new ticket that keeps the first arrival."""
    transferred = transfer_ticket(ticket_id, body, staff, context, key=idempotency_key)
    return _answer(transferred, status_code=status.HTTP_201_CREATED)


def transfer_ticket(
    ticket_id: int, body: Transfer, staff: Staff, context: AppContext, *, key: str | None = None
) -> Answered[IssuedPublic]:
    """The transfer, shared by the API and the console."""

    def work(session: Session) -> tuple[IssuedPublic, int]:
        ticket = tickets.locked(session, ticket_id)
        staff.require_office(context.directory.office_by_id(session, ticket.office_id).code)
        issued = tickets.transfer(
            session,
            directory=context.directory,
            ticket_id=ticket_id,
            service_code=body.service,
            now=context.clock(),
            actor=staff.username,
            ticket_secret=_ticket_secret(key, context),
        )
        return _announced(session, context, issued), issued.ticket.id

    return answer_once(
        context.sessions,
        key=key,
        request=fingerprint(staff.id, "transfer", ticket_id, body.service),
        act=work,
        replay=partial(_issued_now, context=context, key=key),
    )


# What only the clerk at the ticket's window may do; a manager or admin may step in.
AT_THE_WINDOW = {Action.start, Action.finish, Action.no_show, Action.recall, Action.requeue}


def _require_holder(session: Session, staff: Staff, ticket: Ticket) -> None:
    if staff.role is not Role.clerk:
        return
    holder = (
        windows.current_session(session, window_id=ticket.window_id)
        if ticket.window_id is not None
        else None
    )
    if holder is None or holder.staff_id != staff.id:
        raise Forbidden("This ticket is not at a window you have open.")


@router.post("/tickets/{ticket_id}/{action}", response_model=TicketPublic, responses=STAFF_PROBLEMS)
def act(
    ticket_id: TicketId,
    action: Action,
    staff: StaffDep,
    context: ContextDep,
    idempotency_key: QueueKey = None,
) -> Response:
    return _answer(act_on_ticket(ticket_id, action, staff, context, key=idempotency_key))


def act_on_ticket(
    ticket_id: int, action: Action, staff: Staff, context: AppContext, *, key: str | None = None
) -> Answered[TicketPublic]:
    """Start, finish, recall, requeue, cancel or mark a no-show; shared with the console."""

    def work(session: Session) -> tuple[TicketPublic, int]:
        ticket = tickets.locked(session, ticket_id)
        info = context.directory.office_by_id(session, ticket.office_id)
        staff.require_office(info.code)
        if action in AT_THE_WINDOW:
            _require_holder(session, staff, ticket)
        tickets.act_on(
            session, ticket=ticket, action=action.value, now=context.clock(), actor=staff.username
        )
        context.bus.publish(session, ticket.office_id)
        public = _public(ticket, window_code=info.window_code(ticket.window_id), zone=info.zone)
        return public, ticket.id

    return answer_once(
        context.sessions,
        key=key,
        request=fingerprint(staff.id, action.value, ticket_id),
        act=work,
        replay=partial(_ticket_now, context=context),
    )


@router.post(
    "/offices/{office}/tickets",
    response_model=IssuedPublic,
    status_code=201,
    responses=STAFF_PROBLEMS,
)
def issue(
    office: Code,
    body: WalkIn,
    staff: StaffDep,
    context: ContextDep,
    idempotency_key: QueueKey = None,
) -> Response:
    """A walk-in ticket, from the kiosk (which runs signed in as a member of the office)."""
    issued = issue_ticket(office, body, staff, context, key=idempotency_key)
    return _answer(issued, status_code=status.HTTP_201_CREATED)


def issue_ticket(
    office: str, body: WalkIn, staff: Staff, context: AppContext, *, key: str | None = None
) -> Answered[IssuedPublic]:
    """A walk-in ticket, shared by the API and the kiosk page."""
    staff.require_office(office)

    def work(session: Session) -> tuple[IssuedPublic, int]:
        issued = tickets.issue_walk_in(
            session,
            directory=context.directory,
            office_code=office,
            service_code=body.service,
            group=body.group,
            now=context.clock(),
            ticket_secret=_ticket_secret(key, context),
        )
        return _announced(session, context, issued), issued.ticket.id

    return answer_once(
        context.sessions,
        key=key,
        request=fingerprint(staff.id, "issue", office, body.service, body.group),
        act=work,
        replay=partial(_issued_now, context=context, key=key),
    )


@router.post(
    "/offices/{office}/check-in",
    response_model=IssuedPublic,
    status_code=201,
    responses=STAFF_PROBLEMS,
)
def check_in(
    staff: StaffDep,  # first: without a token, the answer is 401 whatever else is wrong
    office: Code,
    body: CheckInBody,
    document_number: DocumentNumberDep,
    context: ContextDep,
    idempotency_key: QueueKey = None,
) -> Response:
    """A ticket for a booking's holder: reference in the body, document number in the header."""
    checked_in = check_in_booking(
        office, body, document_number, staff, context, key=idempotency_key
    )
    return _answer(checked_in, status_code=status.HTTP_201_CREATED)


def check_in_booking(
    office: str,
    body: CheckInBody,
    document_number: str,
    staff: Staff,
    context: AppContext,
    *,
    key: str | None = None,
) -> Answered[IssuedPublic]:
    """The check-in, shared by the API and the kiosk page."""
    staff.require_office(office)

    def work(session: Session) -> tuple[IssuedPublic, int]:
        issued = tickets.check_in(
            session,
            directory=context.directory,
            office_code=office,
            reference=body.reference,
            document_number=document_number,
            secret=context.secret,
            now=context.clock(),
            ticket_secret=_ticket_secret(key, context),
        )
        return _announced(session, context, issued), issued.ticket.id

    proof = document_hash(document_number, secret=context.secret)
    return answer_once(
        context.sessions,
        key=key,
        request=fingerprint(staff.id, "check-in", office, body.reference, proof),
        act=work,
        replay=partial(_issued_now, context=context, key=key),
    )


def _announced(session: Session, context: AppContext, issued: tickets.Issued) -> IssuedPublic:
    """Tell the office's boards about a new ticket, and show it to its holder."""
    context.bus.publish(session, issued.ticket.office_id)
    office = context.directory.office_by_id(session, issued.ticket.office_id)
    TICKETS.labels(office.code).inc()
    return _issued_public(issued.ticket, secret=issued.secret, zone=office.zone)


def _issued_public(ticket: Ticket, *, secret: str, zone: ZoneInfo) -> IssuedPublic:
    return IssuedPublic(
        id=ticket.id,
        code=ticket.code,
        kind=ticket.kind,
        secret=secret,
        arrived_at=ticket.arrived_at.astimezone(zone),
        appointment_at=ticket.appointment_at.astimezone(zone) if ticket.appointment_at else None,
    )


def _ticket_secret(key: str | None, context: AppContext) -> str | None:
    return ticket_secret_for(key, secret=context.secret) if key else None


def _ticket_now(session: Session, ticket_id: int, *, context: AppContext) -> TicketPublic:
    """A repeated request's answer: the ticket it acted on, as it is now."""
    ticket = session.get_one(Ticket, ticket_id)
    info = context.directory.office_by_id(session, ticket.office_id)
    return _public(ticket, window_code=info.window_code(ticket.window_id), zone=info.zone)


def _issued_now(
    session: Session, ticket_id: int, *, context: AppContext, key: str | None
) -> IssuedPublic:
    """A repeated issue's answer: the same ticket, with the same secret to print."""
    assert key is not None, "only a request with a key is ever repeated"
    ticket = session.get_one(Ticket, ticket_id)
    zone = context.directory.office_by_id(session, ticket.office_id).zone
    return _issued_public(ticket, secret=_ticket_secret(key, context) or "", zone=zone)


def _answer(answered: Answered[T], *, status_code: int = status.HTTP_200_OK) -> Response:
    """The answer as JSON, marked when it repeats an earlier one."""
    assert answered.value is not None
    headers = {"Idempotent-Replayed": "true"} if answered.replayed else None
    return Response(
        answered.value.model_dump_json(),
        status_code=status_code,
        media_type="application/json",
        headers=headers,
    )


@router.get("/tickets/{ticket_id}", response_model=TicketStatusPublic, responses=problems(404, 422))
def ticket_status(
    ticket_id: TicketId,
    context: ContextDep,
    session: ReadSessionDep,
    x_ticket_secret: Annotated[str, Header(max_length=64, description="From the ticket")],
) -> TicketStatusPublic:
    """For the ticket's holder, who has no login: the place in line and the estimated call."""
    view = status_of(
        session,
        directory=context.directory,
        ticket_id=ticket_id,
        ticket_secret=x_ticket_secret,
        now=context.clock(),
    )
    zone = view.office.zone
    return TicketStatusPublic(
        code=view.ticket.code,
        status=view.ticket.status,
        office=view.office.code,
        position=view.position,
        estimated_call_at=view.estimated_call_at.astimezone(zone)
        if view.estimated_call_at
        else None,
        window=view.window,
    )


class CallPublic(BaseModel):
    code: str
    window: str
    at: datetime


class AtWindowPublic(BaseModel):
    window: str
    code: str
    status: str


class BoardPublic(BaseModel):
    office: str
    last_calls: list[CallPublic]
    at_windows: list[AtWindowPublic]
    waiting: dict[str, int]


@router.get("/offices/{office}/board", response_model=BoardPublic, responses=problems(404, 422))
def office_board(office: Code, context: ContextDep, session: ReadSessionDep) -> BoardPublic:
    """The display board: ticket numbers and windows only, so it needs no sign-in."""
    return _board(session, context, office)


KEEP_ALIVE_SECONDS = 15.0


@router.get(
    "/offices/{office}/board/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}, **problems(404, 422)},
)
async def office_board_stream(office: Code, context: ContextDep, request: Request) -> Response:
    """Server-Sent Events: the board now, then again after every change at the office.

    Browsers' EventSource reconnects by itself after a drop (``retry`` sets the pause), and
    a comment every 15 seconds keeps proxies from closing an idle stream.
    """

    def snapshot() -> tuple[int, str]:
        with read_session(context.sessions) as session:
            shown = _board(session, context, office)
            return context.directory.office(session, office).id, shown.model_dump_json()

    office_id, first = await run_in_threadpool(snapshot)

    async def events() -> AsyncIterator[str]:
        async with context.bus.subscribe(office_id) as changes:
            yield f"retry: 2000\nevent: board\ndata: {first}\n\n"
            behind = False  # the last change could not be read; try again at the next beat
            while not await request.is_disconnected():
                try:
                    await asyncio.wait_for(changes.get(), timeout=KEEP_ALIVE_SECONDS)
                except TimeoutError:
                    if not behind:
                        yield ": still here\n\n"
                        continue
                try:
                    _, data = await run_in_threadpool(snapshot)
                except SQLAlchemyError as exc:
                    # A board outlives a busy or restarting database: it keeps the stream
                    # and shows the next snapshot it can read.
                    log.warning("board of %s could not be read (%s); retrying", office, exc)
                    behind = True
                    yield ": database busy, retrying\n\n"
                    continue
                behind = False
                yield f"event: board\ndata: {data}\n\n"

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def _board(session: Session, context: AppContext, office: str) -> BoardPublic:
    info = context.directory.office(session, office)
    shown = board(session, office=info, now=context.clock())
    return BoardPublic(
        office=info.code,
        last_calls=[
            CallPublic(code=c.code, window=c.window, at=c.at.astimezone(info.zone))
            for c in shown.last_calls
        ],
        at_windows=[
            AtWindowPublic(window=w.window, code=w.code, status=w.status) for w in shown.at_windows
        ],
        waiting=shown.waiting,
    )


class KpisPublic(BaseModel):
    date: date_type
    issued: int
    served: int
    no_show: int
    waiting_now: int
    mean_wait_minutes: float | None
    p90_wait_minutes: float | None
    longest_wait_minutes: float | None
    mean_service_minutes: float | None
    utilization: dict[str, float] = Field(description="By window: time serving over time open")


@router.get("/offices/{office}/kpis", response_model=KpisPublic, responses=STAFF_PROBLEMS)
def office_kpis(
    office: Code,
    staff: StaffDep,
    context: ContextDep,
    session: ReadSessionDep,
    day: Annotated[
        IsoDate | None, Query(alias="date", description="Local date; today if left out")
    ] = None,
) -> KpisPublic:
    staff.require_office(office)
    info = context.directory.office(session, office)
    now = context.clock()
    figures = day_kpis(session, office=info, day=day or now.astimezone(info.zone).date(), now=now)
    return KpisPublic(
        date=figures.day,
        issued=figures.issued,
        served=figures.served,
        no_show=figures.no_show,
        waiting_now=figures.waiting_now,
        mean_wait_minutes=_minutes(figures.mean_wait),
        p90_wait_minutes=_minutes(figures.p90_wait),
        longest_wait_minutes=_minutes(figures.longest_wait),
        mean_service_minutes=_minutes(figures.mean_service),
        utilization=figures.utilization,
    )


def _minutes(value: timedelta | None) -> float | None:
    return None if value is None else round(value.total_seconds() / 60, 1)
