"""FastAPI dependencies shared by the feature routers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Header, Request
from sqlalchemy.orm import Session, sessionmaker

from kezek.booking.identity import normalize_document
from kezek.booking.service import BookingRules
from kezek.config import Settings
from kezek.db import read_session
from kezek.problems import Invalid


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_sessions(request: Request) -> sessionmaker[Session]:
    sessions: sessionmaker[Session] = request.app.state.sessions
    return sessions


def get_read_session(
    sessions: Annotated[sessionmaker[Session], Depends(get_sessions)],
) -> Iterator[Session]:
    with read_session(sessions) as session:
        yield session


def get_secret(request: Request) -> bytes:
    secret: bytes = request.app.state.secret
    return secret


def get_rules(settings: Annotated[Settings, Depends(get_settings)]) -> BookingRules:
    return BookingRules(
        horizon_days=settings.booking_horizon_days,
        min_notice=timedelta(minutes=settings.min_notice_minutes),
        max_range_days=settings.max_availability_days,
    )


def get_document_number(
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


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionsDep = Annotated[sessionmaker[Session], Depends(get_sessions)]
ReadSessionDep = Annotated[Session, Depends(get_read_session)]
SecretDep = Annotated[bytes, Depends(get_secret)]
RulesDep = Annotated[BookingRules, Depends(get_rules)]
DocumentNumberDep = Annotated[str, Depends(get_document_number)]
