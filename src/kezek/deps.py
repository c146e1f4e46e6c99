"""FastAPI dependencies shared by the feature routers.

What every request needs is built once per process into one ``AppContext``: each
dependency FastAPI resolves costs time on every request of a booking rush.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session, sessionmaker

from kezek.booking.identity import normalize_document
from kezek.booking.rules import BookingRules
from kezek.config import Settings
from kezek.db import make_engine, make_sessionmaker, read_session
from kezek.network.directory import Directory
from kezek.problems import Invalid
from kezek.queue.bus import BoardBus
from kezek.ratelimit import Limit, Limits, RateLimiter, limiter_for
from kezek.staff.service import Staff, Unauthorized, staff_for_token
from kezek.types import utcnow


@dataclass(frozen=True)
class AppContext:
    settings: Settings
    sessions: sessionmaker[Session]
    directory: Directory
    secret: bytes
    rules: BookingRules
    bus: BoardBus
    limiter: RateLimiter
    limits: Limits
    # What the queue and sign-in take as "now"; a replay of a whole day in tests sets its own.
    clock: Callable[[], datetime] = field(default=utcnow)

    @classmethod
    def build(cls, settings: Settings) -> AppContext:
        sessions = make_sessionmaker(make_engine(settings))
        secret = settings.secret_bytes()
        return cls(
            settings=settings,
            sessions=sessions,
            directory=Directory(max_age=settings.network_refresh_seconds),
            secret=secret,
            bus=BoardBus(),
            limiter=limiter_for(redis_url=settings.redis_url, sessions=sessions, secret=secret),
            limits=Limits(
                booking_per_address=Limit(
                    "booking-address", settings.limit_bookings_per_address_hour, 3600
                ),
                booking_per_document=Limit(
                    "booking-document", settings.limit_bookings_per_document_day, 86400
                ),
                lookup_per_address=Limit(
                    "lookup-address", settings.limit_lookups_per_address_10min, 600
                ),
                lookup_per_document=Limit(
                    "lookup-document", settings.limit_lookups_per_document_hour, 3600
                ),
            ),
            rules=BookingRules(
                horizon_days=settings.booking_horizon_days,
                min_notice=timedelta(minutes=settings.min_notice_minutes),
                max_range_days=settings.max_availability_days,
                bookings_per_phone=settings.limit_bookings_per_phone,
                one_statement=settings.booking_one_statement,
            ),
        )


async def get_context(request: Request) -> AppContext:
    # async: FastAPI runs a plain function dependency in a worker thread, a needless hop.
    context: AppContext = request.app.state.context
    return context


def get_read_session(context: Annotated[AppContext, Depends(get_context)]) -> Iterator[Session]:
    with read_session(context.sessions) as session:
        yield session


async def get_document_number(
    x_document_number: Annotated[
        str,
        Header(
            max_length=40,
            description="The passport or ID-card number the booking was made with. "
            "Sent as a header so that it never appears in URLs or access logs.",
        ),
    ],
) -> str:
    try:
        return normalize_document(x_document_number)
    except ValueError as exc:
        raise Invalid(f"X-Document-Number {exc}", field="X-Document-Number") from None


ContextDep = Annotated[AppContext, Depends(get_context)]
ReadSessionDep = Annotated[Session, Depends(get_read_session)]
DocumentNumberDep = Annotated[str, Depends(get_document_number)]


_bearer = HTTPBearer(auto_error=False, description="A token from POST /api/v1/auth/token")


def get_staff(
    context: Annotated[AppContext, Depends(get_context)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Staff:
    if credentials is None:
        raise Unauthorized(
            "This needs a staff token: POST /api/v1/auth/token, then send it as "
            "'Authorization: Bearer <token>'."
        )
    with read_session(context.sessions) as session:
        return staff_for_token(session, token=credentials.credentials, now=context.clock())


StaffDep = Annotated[Staff, Depends(get_staff)]
