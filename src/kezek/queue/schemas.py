"""What the queue's actions take and give: the request and response families.

The API answers with them and the pages show them; times are in the office's own offset.
"""

from __future__ import annotations

from datetime import date as date_type
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from kezek.codes import CODE_MAX_LENGTH, CODE_PATTERN
from kezek.i18n import Language


class Action(StrEnum):
    start = "start"
    finish = "finish"
    no_show = "no_show"
    recall = "recall"
    requeue = "requeue"
    cancel = "cancel"


class Settle(StrEnum):
    """What happens to the citizen called to a window when the clerk calls the next one."""

    no_show = "no_show"  # did not come to the window
    requeue = "requeue"  # back in line at the first arrival, called next time


class CallNext(BaseModel):
    settle: Settle | None = Field(
        default=None,
        description="The citizen called to the window and not started: a no-show, or back "
        "in line. Without it, a window holding someone answers 409 window_busy.",
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


class WalkIn(BaseModel):
    service: str = Field(max_length=CODE_MAX_LENGTH, pattern=CODE_PATTERN)
    group: str | None = Field(default=None, max_length=CODE_MAX_LENGTH, pattern=CODE_PATTERN)


class CheckInBody(BaseModel):
    reference: str = Field(max_length=20)


class IssuedPublic(BaseModel):
    id: int
    code: str
    kind: str
    service: str
    group: str | None
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
    remote: bool = Field(default=False, description="Taken from a phone before coming")
    checked_in: bool = Field(
        default=True,
        description="Its holder is at the office: false until a remote ticket "
        "is checked in at the kiosk or with the door code",
    )
    passed_over: bool = Field(
        default=False,
        description="A remote ticket whose turn came before its holder checked in: it kept "
        "its place once, and is closed as a no-show if its turn comes again in its absence",
    )
    next_step: str = Field(
        default="wait",
        description="check_in (come and check in), wait, go_to_window, or none (no longer in line)",
    )


class RemoteTicketBody(BaseModel):
    service: str = Field(max_length=CODE_MAX_LENGTH, pattern=CODE_PATTERN)
    phone: str = Field(max_length=32, description="Read in the office's country if it has no +")
    phone_proof: str = Field(
        max_length=128, description="From confirming the phone with the code sent by SMS"
    )
    language: Language = Field(description="Of the messages about the ticket")


class RemoteTicketTaken(BaseModel):
    """A ticket from a phone: its page is /ticket/{id}?s={secret}."""

    id: int
    code: str
    office: str
    service: str
    secret: str = Field(description="The holder's key to the ticket's page and check-in")
    new: bool = Field(description="False: the phone's ticket taken earlier today, again")
    position: int | None = Field(description="1 when next; null while no window is open")
    estimated_call_at: datetime | None
    wait_minutes: int | None = Field(description="Until the estimated call, from now")
    taken_at: datetime


class RemoteCheckInBody(BaseModel):
    code: str = Field(max_length=12, description="The ticket's code, such as Q-014")
    phone_last4: str | None = Field(default=None, max_length=8, pattern=r"^[0-9 ]*$")
    ticket_secret: str | None = Field(default=None, max_length=64)


class DoorCheckInBody(BaseModel):
    door_code: str = Field(max_length=12, description="The code of the day by the door")


class CheckedInPublic(BaseModel):
    id: int
    code: str
    service: str
    status: str
    checked_in_at: datetime | None
    passed_over: bool = Field(description="Its turn had come: it goes first, in its place")


class DoorCodePublic(BaseModel):
    office: str
    date: date_type
    code: str = Field(description="Shown on the kiosk's screen; typed on a ticket's page")


class OpenWindow(BaseModel):
    services: list[str] | None = Field(
        default=None, description="The services to serve now; all of the window's if left out"
    )


class WindowSessionPublic(BaseModel):
    window: str
    status: str
    services: list[str]
    opened_at: datetime


class WindowNowPublic(BaseModel):
    """An open or paused window, for a manager: who has it, and who is at it."""

    window: str
    status: str
    clerk: str = Field(description="The username of the clerk who opened it")
    clerk_name: str
    opened_at: datetime
    ticket: str | None = Field(default=None, description="The ticket called or served there")
    ticket_status: str | None = None


class WindowChange(StrEnum):
    pause = "pause"
    resume = "resume"
    close = "close"


class Transfer(BaseModel):
    service: str = Field(max_length=CODE_MAX_LENGTH, pattern=CODE_PATTERN)


class DayClosedPublic(BaseModel):
    office: str
    date: date_type = Field(description="The office's local date whose line was closed")
    not_served: int = Field(description="Tickets still waiting, closed as not served")


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


class KpisPublic(BaseModel):
    date: date_type
    issued: int
    served: int
    no_show: int
    not_served: int = Field(description="Still waiting when the line closed for the day")
    waiting_now: int
    mean_wait_minutes: float | None
    p90_wait_minutes: float | None
    longest_wait_minutes: float | None
    mean_service_minutes: float | None
    utilization: dict[str, float] = Field(description="By window: time serving over time open")
