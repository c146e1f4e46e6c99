"""With no provider configured, booking events write nothing to the outbox; with SMS alone,
an e-mail address given is kept but nothing is written for it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from kezek.config import Settings
from tests.conftest import BOTH_BOOKING_PATHS
from tests.factories import booking_body, document, start_at
from tests.integration.messages.conftest import messaging_client
from tests.integration.messages.helpers import book_with_email, kinds, outbox, remind

pytestmark = BOTH_BOOKING_PATHS

HOLDER = {"X-Document-Number": document(1)}


def test_no_channel_configured_writes_nothing(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    reference = book_with_email(client, "aibek@example.kg", start=start_at(days_ahead=2))[
        "reference"
    ]
    moved = client.post(
        f"/api/v1/bookings/{reference}/reschedule",
        json={"start": start_at(days_ahead=3)},
        headers=HOLDER,
    )
    cancelled = client.post(f"/api/v1/bookings/{reference}/cancel", headers=HOLDER)
    other = client.post("/api/v1/bookings", json=booking_body(document_number=document(2)))

    assert (moved.status_code, cancelled.status_code, other.status_code) == (200, 200, 201)
    assert remind(client) == 0
    assert outbox(sessions) == []


@pytest.fixture
def sms_only(settings: Settings, engine: Engine, network: None) -> Iterator[TestClient]:
    yield from messaging_client(settings, smtp_host="")


def test_only_the_configured_channels_are_written(
    sms_only: TestClient, sessions: sessionmaker[Session]
) -> None:
    book_with_email(sms_only, "aibek@example.kg", start=start_at(days_ahead=2))
    remind(sms_only)

    assert kinds(outbox(sessions)) == [
        ("confirmed", "sms"),
        ("reminder_day_before", "sms"),
        ("reminder_soon", "sms"),
    ]
