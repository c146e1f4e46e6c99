"""Staff actions on the live queue, each checked against the offices the user works for."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Response, status
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from kezek.db import run_transaction
from kezek.deps import ContextDep, StaffDep
from kezek.network.models import Office, Window
from kezek.problems import NotFound
from kezek.queue import tickets, windows
from kezek.queue.models import Ticket, WindowSession, WindowSessionStatus
from kezek.types import utcnow

router = APIRouter(tags=["queue"])
Code = Annotated[str, Path(max_length=32, pattern=r"^[a-z0-9][a-z0-9_-]*$")]


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


@router.post("/offices/{office}/windows/{window}/open", response_model=WindowSessionPublic)
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
            now=utcnow(),
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
    responses={204: {"description": "Nobody is waiting for this window"}},
)
def call_next(office: Code, window: Code, staff: StaffDep, context: ContextDep) -> Response:
    """Call the next ticket to a window that this clerk has open, for its chosen services."""
    staff.require_office(office)

    def call(session: Session) -> TicketPublic | None:
        info = context.directory.office(session, office)
        tickets.calling_window(info, window, None)  # an unknown window is a 404
        current = windows.current_session(session, window_id=info.window_ids[window])
        if current is None or current.status != "open" or current.staff_id != staff.id:
            raise windows.WindowNotOpen(f"Open window {window} before calling tickets to it.")
        ticket = tickets.call_next(
            session,
            directory=context.directory,
            policy=context.policy,
            office_code=office,
            window_code=window,
            services=frozenset(current.services),
            now=utcnow(),
            actor=staff.username,
        )
        return _public(ticket, window_code=window, zone=info.zone) if ticket else None

    called = run_transaction(context.sessions, call)
    if called is None:
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    return Response(called.model_dump_json(), media_type="application/json")


# Declared after call-next, so that "call-next" is never read as a change.
@router.post("/offices/{office}/windows/{window}/{change}", response_model=WindowSessionPublic)
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
            now=utcnow(),
        )
        return _window_public(changed, window, context.directory.office(session, office).zone)

    return run_transaction(context.sessions, work)


@router.post("/tickets/{ticket_id}/{action}", response_model=TicketPublic)
def act(ticket_id: int, action: Action, staff: StaffDep, context: ContextDep) -> TicketPublic:
    def work(session: Session) -> TicketPublic:
        office = session.scalar(
            select(Office.code)
            .join(Ticket, Ticket.office_id == Office.id)
            .where(Ticket.id == ticket_id)
        )
        if office is None:
            raise NotFound(f"There is no ticket {ticket_id}.", field="ticket")
        staff.require_office(office)
        ticket = tickets.act(
            session, ticket_id=ticket_id, action=action.value, now=utcnow(), actor=staff.username
        )
        window = session.get(Window, ticket.window_id) if ticket.window_id else None
        zone = context.directory.office(session, office).zone
        return _public(ticket, window_code=window.code if window else None, zone=zone)

    return run_transaction(context.sessions, work)
