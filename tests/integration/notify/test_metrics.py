"""/metrics shows the outbox: messages by channel and status, failed tries, and how long the
oldest due message has waited."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from kezek.app import create_app
from kezek.config import Settings
from kezek.notify.models import Channel
from kezek.types import utcnow
from tests.fakes import FakeSmsGateway
from tests.integration.notify.helpers import enqueue_all, message, relay_for

MONITOR = {"Authorization": "Bearer a token for the monitoring"}


def _value(text: str, name: str, **labels: str) -> float | None:
    wanted = ",".join(f'{key}="{value}"' for key, value in labels.items())
    series = f"{name}{{{wanted}}}" if labels else name
    found = re.search(rf"^{re.escape(series)} (\S+)$", text, re.M)
    return float(found.group(1)) if found else None


@pytest.fixture
def client(notify_settings: Settings, engine: Engine, network: None) -> Iterator[TestClient]:
    app = create_app(
        notify_settings.model_copy(
            update={"metrics_token": SecretStr("a token for the monitoring")}
        )
    )
    with TestClient(app) as test_client:
        yield test_client
    app.state.context.sessions.kw["bind"].dispose()


def test_the_outbox_by_status_and_the_oldest_wait(
    client: TestClient,
    notify_settings: Settings,
    sessions: sessionmaker[Session],
    sms_gateway: FakeSmsGateway,
) -> None:
    now = utcnow()
    enqueue_all(sessions, [message("sent"), message("dead", to="+99600")])
    sms_gateway.refuse("+99600")
    relay_for(sessions, notify_settings).run_once()
    sms_gateway.stop()  # from now on nothing goes out
    enqueue_all(
        sessions,
        [
            message("late", due_at=now - timedelta(seconds=90)),
            message("due", due_at=now),
            message("reminder", due_at=now + timedelta(days=1)),  # waits, but is not late
            message("chat", channel=Channel.telegram, due_at=now - timedelta(seconds=30)),
        ],
    )

    text = client.get("/metrics", headers=MONITOR).text

    def count(channel: str, status: str) -> float | None:
        return _value(text, "kezek_notify_messages", channel=channel, status=status)

    assert (count("sms", "queued"), count("sms", "sent"), count("sms", "dead")) == (3, 1, 1)
    assert count("telegram", "queued") == 1
    assert _value(text, "kezek_notify_failed_attempts", channel="sms") == 1
    oldest = _value(text, "kezek_notify_oldest_due_seconds")
    assert oldest is not None and 90 <= oldest < 90 + 30


def test_an_empty_outbox_has_waited_nothing(client: TestClient) -> None:
    text = client.get("/metrics", headers=MONITOR).text

    assert _value(text, "kezek_notify_oldest_due_seconds") == 0
    assert "kezek_notify_messages{" not in text
