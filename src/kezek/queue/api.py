"""The live queue over HTTP: kiosk, clerks, the board and the ticket holder's view.

Routes only: each reads its input, calls ``kezek.queue.service`` and answers.
"""

from __future__ import annotations

import re
from typing import Annotated, TypeVar

from fastapi import APIRouter, Header, Path, Query, Request, Response, status
from fastapi.responses import StreamingResponse
from pydantic import BaseModel
from starlette.background import BackgroundTask
from starlette.types import Scope

from kezek.booking.deps import DocumentNumberDep
from kezek.codes import CODE_MAX_LENGTH, CODE_PATTERN
from kezek.context import AppContext
from kezek.http.deps import ContextDep
from kezek.http.event_stream import EventStream
from kezek.http.hot_routes import (
    HotRoute,
    PathParams,
    an_id,
    at_most_once,
    bearer_token,
    headers_of,
    no_body,
    token_of,
)
from kezek.http.problems import problems
from kezek.http.threads import for_ticket_pages, on_a_thread
from kezek.http.validators import etag, not_modified, unchanged, validator_headers
from kezek.queue import service
from kezek.queue.retries import Answered
from kezek.queue.schemas import (
    Action,
    BoardPublic,
    CallNext,
    CheckedInPublic,
    CheckInBody,
    DayClosedPublic,
    DoorCheckInBody,
    DoorCodePublic,
    IssuedPublic,
    KpisPublic,
    OpenWindow,
    RemoteCheckInBody,
    RemoteTicketBody,
    RemoteTicketTaken,
    Settle,
    TicketPublic,
    TicketStatusPublic,
    Transfer,
    WalkIn,
    WindowChange,
    WindowNowPublic,
    WindowSessionPublic,
)
from kezek.queue.stream import board_events
from kezek.ratelimit import client_address
from kezek.staff.deps import StaffDep, staff_of_token
from kezek.staff.members import Staff
from kezek.types import IsoDate

router = APIRouter(tags=["queue"])
Code = Annotated[str, Path(max_length=CODE_MAX_LENGTH, pattern=CODE_PATTERN)]
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


# The routes are matched in the order declared here, each request against every route
# before its own (twice: FastAPI picks this router, then the route in it), at about 20
# Python calls a route: the busiest come first. In a busy office, thousands of phones each
# ask for their ticket's status every 20 seconds; each ticket is issued once, called once,
# and started and finished (two actions).
@router.get(
    "/tickets/{ticket_id}",
    response_model=TicketStatusPublic,
    responses={
        304: {"description": "Unchanged since the ETag in If-None-Match"},
        **problems(404, 422),
    },
)
async def ticket_status(
    ticket_id: TicketId,
    context: ContextDep,
    x_ticket_secret: Annotated[str, Header(max_length=64, description="From the ticket")],
    if_none_match: Annotated[str | None, Header(max_length=512)] = None,
) -> Response:
    """For the ticket's holder, who has no login: the place in line and the estimated call.

    The answer has an ETag; asked again with it in If-None-Match, an unchanged status is a
    304 without a body. Once the ticket is over (served, missed, cancelled, sent home at
    closing), the answer may be kept for a day: ``Cache-Control: private, max-age=86400``."""
    return await status_answer(
        context, ticket_id=ticket_id, ticket_secret=x_ticket_secret, if_none_match=if_none_match
    )


async def status_answer(
    context: AppContext, *, ticket_id: int, ticket_secret: str, if_none_match: str | None
) -> Response:
    """``ticket_status``'s answer, for it and for its hot route (``hot_routes`` below)."""
    # Most asks are answered from the line this worker keeps, here on the event loop: a
    # thread and the database only for the others (see ``KeptLines``), on the few threads
    # kept for them, so that however many wait for a line's work, the clerks find one.
    view = service.kept_ticket_view(context, ticket_id=ticket_id, ticket_secret=ticket_secret)
    if view is None:
        view = await for_ticket_pages(
            service.read_ticket_view, context, ticket_id=ticket_id, ticket_secret=ticket_secret
        )
    body = service.status_public(view).model_dump_json()
    tag = etag(body)
    # A ticket that is over stays so: its holder's app may keep the answer rather than ask.
    final = view.over
    vary = "X-Ticket-Secret" if final else None
    if unchanged(if_none_match, tag):
        return not_modified(tag, vary=vary, final=final)
    headers = validator_headers(tag, vary=vary, final=final)
    return Response(body, media_type="application/json", headers=headers)


@router.post(
    "/offices/{office}/windows/{window}/call-next",
    response_model=TicketPublic,
    responses={204: {"description": "Nobody is waiting for this window"}, **STAFF_PROBLEMS},
)
async def call_next(
    office: Code,
    window: Code,
    staff: StaffDep,
    context: ContextDep,
    body: CallNext | None = None,
    idempotency_key: QueueKey = None,
) -> Response:
    """Call the next ticket to a window that this clerk has open, for its chosen services.

    A window holds one citizen at a time: one called there and not started is first marked
    a no-show or put back in line, as ``settle`` says; without it the answer is 409
    ``window_busy``. Someone being served must be finished or transferred first.
    """
    settle = body.settle if body else None
    return await call_next_answer(
        context, staff=staff, office=office, window=window, settle=settle, key=idempotency_key
    )


async def call_next_answer(
    context: AppContext,
    *,
    staff: Staff,
    office: str,
    window: str,
    settle: Settle | None,
    key: str | None,
) -> Response:
    """``call_next``'s answer, for it and for its hot route."""
    called = await on_a_thread(
        service.call_next,
        context,
        staff=staff,
        office=office,
        window=window,
        settle=settle,
        key=key,
    )
    if called.value is None:
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    return _answer(called)


# Transfer and check-in are declared before the clerks' actions, so that neither is read as
# one.
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
    transferred = service.transfer(
        context, staff=staff, ticket_id=ticket_id, service=body.service, key=idempotency_key
    )
    return _answer(transferred, status_code=status.HTTP_201_CREATED)


@router.post(
    "/tickets/{ticket_id}/check-in",
    response_model=CheckedInPublic,
    responses=problems(404, 409, 422, 429),
)
def check_in_at_door(
    ticket_id: TicketId,
    body: DoorCheckInBody,
    context: ContextDep,
    x_ticket_secret: Annotated[str, Header(max_length=64, description="From the ticket")],
) -> CheckedInPublic:
    """At the door, on the ticket's page: the holder of a ticket taken from a phone types
    the code of the day shown by the kiosk, and is called from now on at the ticket's place.
    Checking in again answers the same."""
    return service.check_in_at_door(
        context, ticket_id=ticket_id, ticket_secret=x_ticket_secret, door_code=body.door_code
    )


@router.post("/tickets/{ticket_id}/{action}", response_model=TicketPublic, responses=STAFF_PROBLEMS)
async def act(
    ticket_id: TicketId,
    action: Action,
    staff: StaffDep,
    context: ContextDep,
    idempotency_key: QueueKey = None,
) -> Response:
    return await act_answer(
        context, staff=staff, ticket_id=ticket_id, action=action, key=idempotency_key
    )


async def act_answer(
    context: AppContext, *, staff: Staff, ticket_id: int, action: Action, key: str | None
) -> Response:
    """``act``'s answer, for it and for its hot route."""
    acted = await on_a_thread(
        service.act, context, staff=staff, ticket_id=ticket_id, action=action, key=key
    )
    return _answer(acted)


@router.post(
    "/offices/{office}/tickets",
    response_model=IssuedPublic,
    status_code=201,
    responses=STAFF_PROBLEMS,
)
async def issue(
    office: Code,
    body: WalkIn,
    staff: StaffDep,
    context: ContextDep,
    idempotency_key: QueueKey = None,
) -> Response:
    """A walk-in ticket, from the kiosk (which runs signed in as a member of the office)."""
    issued = await on_a_thread(
        service.issue,
        context,
        staff=staff,
        office=office,
        service=body.service,
        group=body.group,
        key=idempotency_key,
    )
    return _answer(issued, status_code=status.HTTP_201_CREATED)


@router.post(
    "/offices/{office}/windows/{window}/open",
    response_model=WindowSessionPublic,
    responses=STAFF_PROBLEMS,
)
def open_window(
    office: Code, window: Code, body: OpenWindow, staff: StaffDep, context: ContextDep
) -> WindowSessionPublic:
    """Open the window for some of its services, or change them while it is open."""
    services = frozenset(body.services) if body.services is not None else None
    return service.open_window(
        context, staff=staff, office=office, window=window, services=services
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
    """Pause, resume or close a window this clerk has open. A manager or admin may close a
    window another clerk left open: the citizen there goes back in line, even if being
    served, at their first arrival."""
    return service.change_window(context, staff=staff, office=office, window=window, change=change)


@router.get(
    "/offices/{office}/windows",
    response_model=list[WindowNowPublic],
    responses=problems(401, 403, 404, 422),
)
def windows_now(office: Code, staff: StaffDep, context: ContextDep) -> list[WindowNowPublic]:
    """Managers and admins: the windows open or paused now, who has each, and who is at it."""
    return service.windows_now(context, staff=staff, office=office)


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
    checked_in = service.check_in(
        context,
        staff=staff,
        office=office,
        reference=body.reference,
        document_number=document_number,
        key=idempotency_key,
    )
    return _answer(checked_in, status_code=status.HTTP_201_CREATED)


@router.post(
    "/offices/{office}/remote-tickets",
    response_model=RemoteTicketTaken,
    status_code=201,
    responses={
        200: {"model": RemoteTicketTaken, "description": "The phone's ticket taken earlier today"},
        **problems(404, 409, 422, 429),
    },
)
def take_remote_ticket(
    office: Code, body: RemoteTicketBody, context: ContextDep, request: Request
) -> Response:
    """Today's walk-in ticket, from a phone, before coming: for an office that allows it,
    from its set hour until the line closes, while its tickets for phones last. The phone
    must be confirmed first with the code sent to it by SMS (``phone_proof``). One ticket
    per phone, office and day: asking again answers with the same ticket (200).

    The ticket keeps its place but is called only once its holder checks in at the office:
    at the kiosk, or with the door's code of the day on the ticket's page. A ticket whose
    turn comes before then is passed over once, keeping its place, and closed as a no-show
    if its turn comes again in its absence."""
    taken = service.take_remote_ticket(
        context,
        office=office,
        service=body.service,
        phone=body.phone,
        phone_proof=body.phone_proof,
        language=body.language,
        client=client_address(request),
    )
    return Response(
        taken.model_dump_json(),
        status_code=status.HTTP_201_CREATED if taken.new else status.HTTP_200_OK,
        media_type="application/json",
    )


@router.post(
    "/offices/{office}/remote-check-in", response_model=CheckedInPublic, responses=STAFF_PROBLEMS
)
def check_in_remote(
    staff: StaffDep, office: Code, body: RemoteCheckInBody, context: ContextDep
) -> CheckedInPublic:
    """The kiosk: a ticket taken from a phone, by its code and the phone's last four digits
    (or the ticket's secret). Checking in again answers the same."""
    return service.check_in_remote(
        context,
        staff=staff,
        office=office,
        code=body.code,
        phone_last4=body.phone_last4,
        ticket_secret=body.ticket_secret,
    )


@router.get("/offices/{office}/door-code", response_model=DoorCodePublic, responses=STAFF_PROBLEMS)
def door_code_today(office: Code, staff: StaffDep, context: ContextDep) -> DoorCodePublic:
    """The kiosk's screen: today's code that holders of tickets from phones type on the
    ticket's page to check in at the door."""
    return service.door_code_today(context, staff=staff, office=office)


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


@router.get("/offices/{office}/board", response_model=BoardPublic, responses=problems(404, 422))
def office_board(office: Code, context: ContextDep) -> BoardPublic:
    """The display board: ticket numbers and windows only, so it needs no sign-in."""
    return service.office_board(context, office=office)


@router.get(
    "/offices/{office}/board/stream",
    # Described as text/event-stream with no schema: with EventStream named here, FastAPI
    # would describe each event as a JSON string, which a board's events are not.
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}, **problems(404, 422, 503)},
)
async def office_board_stream(office: Code, context: ContextDep) -> Response:
    """Server-Sent Events: the board now, then again after every change at the office.

    Browsers' EventSource reconnects by itself after a drop (``retry`` sets the pause), and
    a comment every 15 seconds keeps proxies from closing an idle stream.
    """
    events, place = await board_events(context, office=office)
    return EventStream(
        events,
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        # Gives the stream's place back even when the client left before the first event.
        background=BackgroundTask(place.close),
    )


@router.post(
    "/offices/{office}/close-day", response_model=DayClosedPublic, responses=STAFF_PROBLEMS
)
def close_day(office: Code, staff: StaffDep, context: ContextDep) -> DayClosedPublic:
    """Managers: close today's line now. Everyone still waiting is closed as not served today
    (their ticket pages say what to do next), and no more tickets are issued today. Each
    office's line also closes by itself at its closing time."""
    return service.close_day(context, staff=staff, office=office)


@router.get("/offices/{office}/kpis", response_model=KpisPublic, responses=STAFF_PROBLEMS)
def office_kpis(
    office: Code,
    staff: StaffDep,
    context: ContextDep,
    day: Annotated[
        IsoDate | None, Query(alias="date", description="Local date; today if left out")
    ] = None,
) -> KpisPublic:
    return service.office_kpis(context, staff=staff, office=office, day=day)


# The busiest requests in their plain cases, taken before FastAPI's router
# (``kezek.http.hot_routes``): a phone reading its ticket's status, and a clerk's call-next,
# start and finish without a body. Each is answered by the same function as its route
# above, which takes every other case and describes the endpoint.

_CODE = re.compile(CODE_PATTERN)
_ACTIONS = frozenset(action.value for action in Action)
# The limits of the documented routes' headers (``X-Ticket-Secret``, ``If-None-Match``).
_SECRET_LONGEST = 64
_TAG_LONGEST = 512
# ``Idempotency-Key``: as ``QueueKey`` in kezek.queue.api, printable ASCII, 1 to 128.
_KEY = re.compile(rb"[\x21-\x7e]{1,128}")


def _a_status_read(scope: Scope, path: PathParams) -> bool:
    sent = headers_of(scope, b"x-ticket-secret", b"if-none-match")
    return (
        an_id(path["ticket_id"])
        and len(sent[b"x-ticket-secret"]) == 1
        and at_most_once(sent[b"x-ticket-secret"], longest=_SECRET_LONGEST)
        and at_most_once(sent[b"if-none-match"], longest=_TAG_LONGEST)
    )


def _a_clerks_request(scope: Scope) -> bool:
    """Signed in with a bearer token, with no body, and with at most one well-formed key."""
    sent = headers_of(scope, b"authorization", b"idempotency-key")
    keys = sent[b"idempotency-key"]
    return (
        bearer_token(sent[b"authorization"]) is not None
        and (not keys or (len(keys) == 1 and _KEY.fullmatch(keys[0]) is not None))
        and no_body(scope)
    )


def _a_call_next(scope: Scope, path: PathParams) -> bool:
    codes = (path["office"], path["window"])
    return all(_CODE.fullmatch(code) for code in codes) and _a_clerks_request(scope)


def _an_action(scope: Scope, path: PathParams) -> bool:
    return an_id(path["ticket_id"]) and path["action"] in _ACTIONS and _a_clerks_request(scope)


async def _status(request: Request) -> Response:
    return await status_answer(
        request.app.state.context,
        ticket_id=int(request.path_params["ticket_id"]),
        ticket_secret=request.headers["x-ticket-secret"],
        if_none_match=request.headers.get("if-none-match"),
    )


async def _clerk(request: Request) -> tuple[AppContext, Staff, str | None]:
    """The app's context, the clerk signed in, and the request's idempotency key."""
    context: AppContext = request.app.state.context
    staff = await staff_of_token(context, token_of(request))
    return context, staff, request.headers.get("idempotency-key")


async def _call_next(request: Request) -> Response:
    context, staff, key = await _clerk(request)
    office, window = request.path_params["office"], request.path_params["window"]
    return await call_next_answer(
        context, staff=staff, office=office, window=window, settle=None, key=key
    )


async def _act(request: Request) -> Response:
    context, staff, key = await _clerk(request)
    ticket_id, action = int(request.path_params["ticket_id"]), request.path_params["action"]
    return await act_answer(
        context, staff=staff, ticket_id=ticket_id, action=Action(action), key=key
    )


def hot_routes(prefix: str) -> list[HotRoute]:
    """The routes to match before all others, under the API's ``prefix``."""
    return [
        HotRoute(f"{prefix}/tickets/{{ticket_id}}", _status, method="GET", plain=_a_status_read),
        HotRoute(
            f"{prefix}/offices/{{office}}/windows/{{window}}/call-next",
            _call_next,
            method="POST",
            plain=_a_call_next,
        ),
        HotRoute(
            f"{prefix}/tickets/{{ticket_id}}/{{action}}", _act, method="POST", plain=_an_action
        ),
    ]
