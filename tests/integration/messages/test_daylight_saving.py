"""Reminders around the days the clocks change: wall-clock hours in the office's zone, stored
as the right UTC moments."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from kezek.booking import create
from kezek.config import Settings
from kezek.db import run_transaction
from kezek.network.file import parse_network
from kezek.network.load import load_network
from tests.conftest import BOTH_BOOKING_PATHS
from tests.factories import booking_body, one_office_network
from tests.integration.messages.conftest import messaging_client
from tests.integration.messages.helpers import outbox, remind

# Both paths compute when the first reminder is due.
pytestmark = BOTH_BOOKING_PATHS

# Berlin changes its clocks; Bishkek, the test network's zone, does not.
BERLIN = one_office_network(
    office="ber",
    kind="consulate",
    timezone="Europe/Berlin",
    country="DE",
    services=[("quick", "Q", 10)],
    windows=[("1", ["quick"], None)],
)


@pytest.fixture
def berlin(
    settings: Settings, engine: Engine, sessions: sessionmaker[Session]
) -> Iterator[TestClient]:
    spec = parse_network(BERLIN, source="berlin.toml")
    run_transaction(sessions, lambda session: load_network(session, spec))
    # Quiet until 08:00; the reminder before comes eight hours ahead, in the night.
    yield from messaging_client(settings, reminder_before_minutes=480, quiet_hours="21-8")


def _book_at(client: TestClient, monkeypatch: pytest.MonkeyPatch, start: str, now: str) -> None:
    # The booking's clock: ten days before the change, so both reminders are to come.
    monkeypatch.setattr(create, "utcnow", lambda: datetime.fromisoformat(now))
    body = booking_body(office="ber", start=start, phone="+996 555 100 200")
    response = client.post("/api/v1/bookings", json=body)
    assert response.status_code == 201, response.text
    remind(client)


def test_the_spring_change(
    berlin: TestClient, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Sunday 28 March 2027: at 02:00 CET the clocks jump to 03:00 CEST.
    _book_at(berlin, monkeypatch, "2027-03-28T10:00:00+02:00", now="2027-03-18T12:00:00+00:00")

    due = {row.kind: row.due_at for row in outbox(sessions)}
    assert due["reminder_day_before"] == datetime(2027, 3, 27, 17, tzinfo=UTC)  # 18:00 CET
    # Eight hours before 08:00 UTC is 01:00 CET, quiet: 08:00 CEST, which is 06:00 UTC.
    assert due["reminder_soon"] == datetime(2027, 3, 28, 6, tzinfo=UTC)
    [confirmation] = outbox(sessions, kind="confirmed")
    assert "28.03.2027 10:00" in confirmation.body


def test_the_autumn_change(
    berlin: TestClient, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Sunday 31 October 2027: at 03:00 CEST the clocks go back to 02:00 CET.
    _book_at(berlin, monkeypatch, "2027-10-31T10:00:00+01:00", now="2027-10-21T12:00:00+00:00")

    due = {row.kind: row.due_at for row in outbox(sessions)}
    assert due["reminder_day_before"] == datetime(2027, 10, 30, 16, tzinfo=UTC)  # 18:00 CEST
    # Eight hours before 09:00 UTC is 02:00 CET, quiet: 08:00 CET, which is 07:00 UTC.
    assert due["reminder_soon"] == datetime(2027, 10, 31, 7, tzinfo=UTC)
    [confirmation] = outbox(sessions, kind="confirmed")
    assert "31.10.2027 10:00" in confirmation.body
