"""An office whose line also gives tickets to phones, and the queue's context on a clock."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from kezek.app import create_app
from kezek.config import Settings
from kezek.context import AppContext
from kezek.db import run_transaction
from kezek.network.file import parse_network
from kezek.network.load import load_network
from kezek.notify.verification import phone_proof
from kezek.staff.models import Role
from tests.conftest import TEST_SECRET
from tests.factories import NETWORK_TOML
from tests.integration.queue.helpers import at
from tests.integration.staff.helpers import bearer, make_staff

Headers = dict[str, str]


class Clock:
    """What the queue takes as now; a test moves it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def remote_network(*, per_day: int = 200, opens: str = "07:00") -> str:
    """The test network, its Bishkek office giving tickets to phones."""
    return NETWORK_TOML.replace(
        '[[offices.windows]]\ncode = "1"\nservices = ["quick", "long"]',
        f"[offices.queue]\nremote_tickets = true\nremote_tickets_per_day = {per_day}\n"
        f'remote_tickets_from = "{opens}"\n\n'
        '[[offices.windows]]\ncode = "1"\nservices = ["quick", "long"]',
        1,
    )


def load(sessions: sessionmaker[Session], toml: str) -> None:
    spec = parse_network(toml, source="remote.toml")
    run_transaction(sessions, lambda session: load_network(session, spec))


def proof(phone: str, now: datetime) -> str:
    """What confirming the phone's code gives, good for two hours from ``now``."""
    return phone_proof(phone, secret=TEST_SECRET.encode(), until=now + timedelta(hours=2))


@pytest.fixture
def remote_office(sessions: sessionmaker[Session], network: None) -> None:
    load(sessions, remote_network())


@pytest.fixture
def clock() -> Clock:
    return Clock(at(8))


@pytest.fixture
def app(settings: Settings, engine: Engine, network: None, clock: Clock) -> Iterator[TestClient]:
    """The server on the test's clock, SMS and Telegram on (their providers are never
    reached: no relay runs), so that the ticket messages are written."""
    channels = {
        "sms_url": "http://127.0.0.1:9/sms",
        "telegram_bot_token": SecretStr("123:test"),
        "public_url": "https://kezek.example",
    }
    server = create_app(settings.model_copy(update=channels))
    server.state.context = dataclasses.replace(server.state.context, clock=clock)
    with TestClient(server) as client:
        yield client
    server.state.context.sessions.kw["bind"].dispose()


@pytest.fixture
def context(app: TestClient) -> AppContext:
    found: AppContext = app.app.state.context  # type: ignore[attr-defined]
    return found


def kiosk_and_clerk(app: TestClient, sessions: sessionmaker[Session]) -> tuple[Headers, Headers]:
    """The Bishkek office's kiosk, and clerk aibek with window 1 open: their headers."""
    make_staff(sessions, "kiosk", Role.kiosk, ["bsk"])
    make_staff(sessions, "aibek", Role.clerk, ["bsk"])
    clerk = bearer(app, "aibek")
    opened = app.post("/api/v1/offices/bsk/windows/1/open", json={}, headers=clerk)
    assert opened.status_code == 200, opened.text
    return bearer(app, "kiosk"), clerk
