"""kezek telegram poll | webhook: the bot hears citizens by long polling, or is told where
to post."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from kezek.cli.telegram import app
from kezek.config import get_settings
from kezek.context import AppContext
from tests.conftest import TEST_SECRET
from tests.fakes.telegram import FakeTelegram
from tests.integration.telegram.bot import WEBHOOK_SECRET, book, booking_token, deliver, outbox

runner = CliRunner()
CHAT = 5556001


@pytest.fixture
def cli_env(
    database_url: str, telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name, value in {
        "KEZEK_DATABASE_URL": database_url,
        "KEZEK_SECRET_KEY": TEST_SECRET,
        "KEZEK_VAR_DIR": str(tmp_path),
        "KEZEK_PUBLIC_URL": "https://kezek.example.org",
        "KEZEK_TELEGRAM_BOT_TOKEN": telegram.token,
        "KEZEK_TELEGRAM_BOT_USERNAME": telegram.username,
        "KEZEK_TELEGRAM_API_URL": telegram.api_url,
        "KEZEK_TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_poll_answers_what_citizens_wrote_and_confirms_it(
    bot: TestClient, context: AppContext, telegram: FakeTelegram, cli_env: None
) -> None:
    reference, proof = book(bot)
    telegram.push_message(CHAT, f"/start {booking_token(context, reference, proof)}")
    last = telegram.push_message(CHAT, "/status")

    result = runner.invoke(app, ["poll", "--once", "--wait", "0"])

    assert result.exit_code == 0, result.output
    assert "Answered 2 updates." in result.output
    replies = outbox(context, subject=f"telegram:{CHAT}")
    assert [m.kind for m in replies] == ["bot_welcome", "bot_status"]
    assert deliver(context, telegram) == 2
    offsets = [params.get("offset") for method, params in telegram.calls if method == "getUpdates"]
    assert offsets[-1] == last["update_id"] + 1  # Telegram will not give them again


def test_the_webhook_is_set_with_the_secret_at_the_public_address(
    telegram: FakeTelegram, cli_env: None, network: None
) -> None:
    result = runner.invoke(app, ["webhook"])

    assert result.exit_code == 0, result.output
    assert telegram.webhook is not None
    assert telegram.webhook["url"] == "https://kezek.example.org/telegram/webhook"
    assert telegram.webhook["secret_token"] == WEBHOOK_SECRET
    assert "my_chat_member" in telegram.webhook["allowed_updates"]


def test_with_a_webhook_set_poll_says_how_to_remove_it(
    telegram: FakeTelegram, cli_env: None, network: None
) -> None:
    runner.invoke(app, ["webhook", "https://bot.example.org/telegram/webhook"])

    refused = runner.invoke(app, ["poll", "--once", "--wait", "0"])
    removed = runner.invoke(app, ["webhook", "--delete"])
    polled = runner.invoke(app, ["poll", "--once", "--wait", "0"])

    assert refused.exit_code == 1 and "kezek telegram webhook --delete" in refused.output
    assert removed.exit_code == 0 and telegram.webhook is None
    assert polled.exit_code == 0, polled.output


def test_a_webhook_over_plain_http_or_without_a_good_secret_is_refused(
    telegram: FakeTelegram, cli_env: None, network: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = runner.invoke(app, ["webhook", "http://bot.example.org/telegram/webhook"])
    monkeypatch.setenv("KEZEK_TELEGRAM_WEBHOOK_SECRET", "short")
    get_settings.cache_clear()
    weak = runner.invoke(app, ["webhook"])

    assert plain.exit_code == 1 and "HTTPS" in plain.output
    assert weak.exit_code == 1 and "KEZEK_TELEGRAM_WEBHOOK_SECRET" in weak.output
    assert telegram.webhook is None and not telegram.calls
