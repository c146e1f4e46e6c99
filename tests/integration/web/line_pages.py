"""A place in today's line from a phone, through the pages: an office that gives tickets to
phones all day, a server whose SMS gateway is configured (never reached: no relay runs),
on a clock a test may set, and the steps a phone without JavaScript takes."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy.orm import Session, sessionmaker

from kezek.app import create_app
from kezek.config import Settings
from kezek.context import AppContext
from kezek.db import run_transaction
from kezek.network.file import parse_network
from kezek.network.load import load_network
from kezek.queue.remote import door_code
from kezek.types import utcnow
from tests.conftest import TEST_SECRET
from tests.factories import NETWORK_TOML

from .notify_pages import SMS_ON, last_code
from .pages import submit

BISHKEK = ZoneInfo("Asia/Bishkek")
PHONE = "+996555000777"  # as stored and as the SMS is addressed
TYPED = "+996 555 000 777"  # as a person types it
_HOURS = "\n".join(
    f'{day} = ["09:00-18:00"]' for day in ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
)


def line_network(*, per_day: int = 200, opens: str = "00:00", hours: str = "00:00-24:00") -> str:
    """The test network, its Bishkek office giving tickets to phones from ``opens``; open
    all day by default, so that a test on the wall clock never finds the line closed."""
    every_day = "\n".join(
        f'{day} = ["{hours}"]' for day in ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    )
    assert _HOURS in NETWORK_TOML, "the test network's Bishkek hours have changed"
    toml = NETWORK_TOML.replace(_HOURS, every_day, 1)
    return toml.replace(
        '[[offices.windows]]\ncode = "1"\nservices = ["quick", "long"]',
        f"[offices.queue]\nremote_tickets = true\nremote_tickets_per_day = {per_day}\n"
        f'remote_tickets_from = "{opens}"\n\n'
        '[[offices.windows]]\ncode = "1"\nservices = ["quick", "long"]',
        1,
    )


def load(sessions: sessionmaker[Session], toml: str) -> None:
    spec = parse_network(toml, source="line.toml")
    run_transaction(sessions, lambda session: load_network(session, spec))


class Clock:
    """What the queue takes as now: the wall clock, unless a test sets a time."""

    def __init__(self) -> None:
        self.now: datetime | None = None

    def __call__(self) -> datetime:
        return self.now or utcnow()


def bishkek(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=BISHKEK)


def today() -> date:
    return utcnow().astimezone(BISHKEK).date()


@pytest.fixture
def clock() -> Clock:
    return Clock()


def serve(settings: Settings, clock: Clock, **overrides: Any) -> Iterator[TestClient]:
    """The server with SMS on (and ``overrides``), on ``clock``."""
    app = create_app(settings.model_copy(update={**SMS_ON, **overrides}))
    app.state.context = dataclasses.replace(app.state.context, clock=clock)
    with TestClient(app) as client:
        yield client
    app.state.context.sessions.kw["bind"].dispose()


@pytest.fixture
def phone_line(sessions: sessionmaker[Session], network: None) -> None:
    load(sessions, line_network())


@pytest.fixture
def line_client(settings: Settings, phone_line: None, clock: Clock) -> Iterator[TestClient]:
    yield from serve(settings, clock)


def context_of(client: TestClient) -> AppContext:
    found: AppContext = client.app.state.context  # type: ignore[attr-defined]
    return found


def asked_for_code(
    client: TestClient, *, phone: str = TYPED, service: str = "quick", language: str = "en"
) -> Response:
    """The office page's link, the line's form sent: the page asking for the SMS code."""
    client.headers["Accept-Language"] = language
    form = client.get("/line/bsk")
    assert form.status_code == 200, form.text
    return submit(client, form, "/line/bsk", service=service, phone=phone)


def take_a_place(
    client: TestClient,
    sessions: sessionmaker[Session],
    *,
    phone: str = TYPED,
    service: str = "quick",
    language: str = "en",
) -> Response:
    """The ticket's page, as the right code opens it."""
    asked = asked_for_code(client, phone=phone, service=service, language=language)
    number = re.sub(r"[^\d+]", "", phone)
    return submit(client, asked, "/line/bsk/code", code=last_code(sessions, number))


def ticket_address(page: Response) -> tuple[int, str]:
    """The ticket's number and secret from the page's address."""
    found = re.search(r"/ticket/(\d+)\?s=([0-9A-Z]+)", str(page.url))
    assert found, page.url
    return int(found.group(1)), found.group(2)


def todays_door_code(client: TestClient, sessions: sessionmaker[Session]) -> str:
    """What the kiosk's screen shows today at the Bishkek office."""
    context = context_of(client)
    with sessions() as session:
        office = context.directory.office(session, "bsk")
    day = context.clock().astimezone(office.zone).date()
    return door_code(TEST_SECRET.encode(), office_id=office.id, day=day)
