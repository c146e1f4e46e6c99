"""POST /telegram/webhook: only with the secret Telegram was given, and always answered."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from kezek.app import create_app
from kezek.config import Settings
from kezek.context import AppContext
from tests.fakes.telegram import FakeTelegram, message_update
from tests.integration.telegram.bot import HEADERS, WEBHOOK_SECRET, deliver, outbox

UPDATE = {"update_id": 42, **message_update(5555001, "/status")}


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Telegram-Bot-Api-Secret-Token": ""},
        {"X-Telegram-Bot-Api-Secret-Token": "wrong-secret"},
        {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET[:-1]},
    ],
    ids=["missing", "empty", "wrong", "a-prefix"],
)
def test_without_the_secret_the_update_is_refused(
    bot: TestClient, context: AppContext, headers: dict[str, str]
) -> None:
    response = bot.post("/telegram/webhook", json=UPDATE, headers=headers)

    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "forbidden"
    assert outbox(context) == []


def test_with_no_secret_configured_nothing_gets_in(
    bot_settings: Settings, engine: object, network: None
) -> None:
    settings = bot_settings.model_copy(update={"telegram_webhook_secret": None})
    with TestClient(create_app(settings)) as client:
        for given in ({}, {"X-Telegram-Bot-Api-Secret-Token": ""}, HEADERS):
            assert client.post("/telegram/webhook", json=UPDATE, headers=given).status_code == 403
    settings = bot_settings.model_copy(update={"telegram_webhook_secret": SecretStr("")})
    with TestClient(create_app(settings)) as client:
        assert client.post("/telegram/webhook", json=UPDATE, headers=HEADERS).status_code == 403


def test_with_the_secret_the_update_is_answered_through_the_outbox(
    bot: TestClient, context: AppContext, telegram: FakeTelegram
) -> None:
    response = bot.post("/telegram/webhook", json=UPDATE, headers=HEADERS)

    assert response.status_code == 200 and response.json() == {"ok": True}
    (reply,) = outbox(context)
    assert (reply.channel, reply.address, reply.status) == ("telegram", "5555001", "queued")
    assert deliver(context, telegram) == 1


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[1, 2]", b"\xff\xfe"],
    ids=["text", "a-list", "not-utf8"],
)
def test_a_body_that_is_no_update_is_a_problem(
    bot: TestClient, context: AppContext, body: bytes
) -> None:
    headers = {**HEADERS, "Content-Type": "application/json"}

    response = bot.post("/telegram/webhook", content=body, headers=headers)

    assert response.status_code == 400
    assert response.json()["code"] == "malformed_body"
    assert outbox(context) == []


@pytest.mark.parametrize(
    "update",
    [
        {"update_id": 1, "edited_message": UPDATE["message"]},
        {"update_id": 2, "message": {**UPDATE["message"], "chat": {"id": -100, "type": "group"}}},
        {"update_id": 3, "message": {**UPDATE["message"], "text": None, "sticker": {}}},
        {"update_id": 4, "my_chat_member": {"chat": {"id": 5555001, "type": "private"}}},
    ],
    ids=["edited", "group", "sticker", "blocked"],
)
def test_updates_the_bot_does_not_answer_are_accepted_quietly(
    bot: TestClient, context: AppContext, update: dict[str, object]
) -> None:
    response = bot.post("/telegram/webhook", json=update, headers=HEADERS)

    assert response.status_code == 200
    assert outbox(context) == []


def test_a_body_over_the_limit_is_refused_before_it_is_read(
    bot: TestClient, bot_settings: Settings
) -> None:
    padded = {**UPDATE, "padding": "x" * bot_settings.max_body_bytes}

    response = bot.post("/telegram/webhook", content=json.dumps(padded), headers=HEADERS)

    assert response.status_code == 413


def test_the_webhook_is_not_in_the_api_description(bot: TestClient) -> None:
    assert "/telegram/webhook" not in bot.get("/openapi.json").json()["paths"]


def test_with_telegram_off_the_webhook_writes_nothing(
    bot_settings: Settings, engine: object, network: None
) -> None:
    settings = bot_settings.model_copy(update={"telegram_bot_token": None})
    app = create_app(settings)
    with TestClient(app) as client:
        response = client.post("/telegram/webhook", json=UPDATE, headers=HEADERS)
        assert response.status_code == 200
        assert outbox(app.state.context) == []
