"""A Kezek with its Telegram bot on, talking to a fake Bot API on a local port."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy.engine import Engine

from kezek.app import create_app
from kezek.config import Settings
from kezek.context import AppContext
from tests.fakes.telegram import FakeTelegram
from tests.integration.telegram.bot import WEBHOOK_SECRET


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    fake = FakeTelegram().started()
    yield fake
    fake.stop()


@pytest.fixture
def bot_settings(settings: Settings, telegram: FakeTelegram) -> Settings:
    return settings.model_copy(
        update={
            "telegram_bot_token": SecretStr(telegram.token),
            "telegram_bot_username": telegram.username,
            "telegram_api_url": telegram.api_url,
            "telegram_webhook_secret": SecretStr(WEBHOOK_SECRET),
            "notify_retry_seconds": 1,
        }
    )


@pytest.fixture
def bot(bot_settings: Settings, engine: Engine, network: None) -> Iterator[TestClient]:
    """The app, with its bot; ``bot.app.state.context`` is what the services take."""
    app = create_app(bot_settings)
    with TestClient(app) as test_client:
        yield test_client
    app.state.context.sessions.kw["bind"].dispose()


@pytest.fixture
def context(bot: TestClient) -> AppContext:
    found: AppContext = bot.app.state.context  # type: ignore[attr-defined]
    return found
