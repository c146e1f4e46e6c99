"""Staff actions on the live queue, each checked against the offices the user works for."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from functools import partial
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
from kezek.queue import tickets
from kezek.queue.models import Ticket
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


class CallNext(BaseModel):
    services: list[str] | None = Field(
        default=None, description="The services to call for now; all of the window's if left out"
    )


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


@router.post(
    "/offices/{office}/windows/{window}/call-next",
    response_model=TicketPublic,
    responses={204: {"description": "Nobody is waiting for this window"}},
)
def call_next(
    office: Code, window: Code, body: CallNext, staff: StaffDep, context: ContextDep
) -> TicketPublic | Response:
    staff.require_office(office)
    work = partial(
        tickets.call_next,
        directory=context.directory,
        policy=context.policy,
        office_code=office,
        window_code=window,
        services=frozenset(body.services) if body.services is not None else None,
        now=utcnow(),
        actor=staff.username,
    )

    def call(session: Session) -> TicketPublic | None:
        ticket = work(session)
        zone = context.directory.office(session, office).zone
        return _public(ticket, window_code=window, zone=zone) if ticket else None

    called = run_transaction(context.sessions, call)
    return called or Response(status_code=status.HTTP_204_NO_CONTENT)


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
