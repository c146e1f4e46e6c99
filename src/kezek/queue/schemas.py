"""What the queue's actions take and give: the request and response families.

The API answers with them and the pages show them; times are in the office's own offset.
"""

from __future__ import annotations

from datetime import date as date_type
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from kezek.codes import CODE_MAX_LENGTH, CODE_PATTERN


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
    service: str = Field(max_length=CODE_MAX_LENGTH, pattern=CODE_PATTERN)
    group: str | None = Field(default=None, max_length=CODE_MAX_LENGTH, pattern=CODE_PATTERN)


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


class Transfer(BaseModel):
    service: str = Field(max_length=CODE_MAX_LENGTH, pattern=CODE_PATTERN)


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
    waiting_now: int
    mean_wait_minutes: float | None
    p90_wait_minutes: float | None
    longest_wait_minutes: float | None
    mean_service_minutes: float | None
    utilization: dict[str, float] = Field(description="By window: time serving over time open")
