"""The citizen's pages with message channels on: a server whose SMS gateway, mail server or
Telegram bot is configured (none is reached: no relay runs in these tests), and what the
outbox holds for a phone, as a phone would read it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kezek.app import create_app
from kezek.config import Settings
from kezek.notify.models import OutboxMessage

# Port 9 (discard) and .invalid names: configured, so the channels are on, never reached.
SMS_ON: dict[str, Any] = {"sms_url": "http://127.0.0.1:9/sms"}
EMAIL_ON: dict[str, Any] = {"smtp_host": "smtp.invalid"}
TELEGRAM_ON: dict[str, Any] = {
    "telegram_bot_token": SecretStr("123456:test-token"),
    "telegram_bot_username": "kezek_test_bot",
}


def app_client(settings: Settings, **overrides: Any) -> Iterator[TestClient]:
    """The server with these settings changed."""
    app = create_app(settings.model_copy(update=overrides))
    with TestClient(app) as client:
        yield client
    app.state.context.sessions.kw["bind"].dispose()


def code_texts(sessions: sessionmaker[Session], phone: str) -> list[str]:
    """The code SMS to ``phone`` (E.164), oldest first."""
    with sessions() as session:
        return list(
            session.scalars(
                select(OutboxMessage.body)
                .where(OutboxMessage.kind == "phone_code", OutboxMessage.address == phone)
                .order_by(OutboxMessage.id)
            )
        )


def last_code(sessions: sessionmaker[Session], phone: str) -> str:
    texts = code_texts(sessions, phone)
    assert texts, f"no code SMS to {phone}"
    found = re.search(r"\b(\d{6})\b", texts[-1])
    assert found, texts[-1]
    return found.group(1)


def wrong_code(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"
