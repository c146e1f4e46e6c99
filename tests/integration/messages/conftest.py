"""A server with SMS and e-mail on (their providers configured, never reached: no relay
runs), so that every booking event writes its messages to the outbox."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from kezek.app import create_app
from kezek.config import Settings
from tests.integration.messages.helpers import PUBLIC_URL

CHANNELS_ON = {
    # Port 9 (discard): nothing listens, and nothing is sent there, since no relay runs.
    "sms_url": "http://127.0.0.1:9/sms",
    "smtp_host": "127.0.0.1",
    "public_url": PUBLIC_URL,
}


def messaging_client(settings: Settings, **overrides: Any) -> Iterator[TestClient]:
    app = create_app(settings.model_copy(update={**CHANNELS_ON, **overrides}))
    with TestClient(app) as client:
        yield client
    app.state.context.sessions.kw["bind"].dispose()


@pytest.fixture
def notified(settings: Settings, engine: Engine, network: None) -> Iterator[TestClient]:
    """The test network's server, SMS and e-mail on, reminders at their default hours
    (18:00 the day before, 120 minutes before), quiet from 21:00 to 08:00."""
    yield from messaging_client(settings)
