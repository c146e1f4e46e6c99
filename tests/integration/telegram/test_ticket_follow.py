"""A ticket followed in Telegram: the chat is told which window to go to when it is called."""

from __future__ import annotations

from fastapi.testclient import TestClient

from kezek.context import AppContext
from kezek.queue.notices import text
from tests.fakes.telegram import FakeTelegram
from tests.integration.telegram.bot import OFFICE, clerk, deliver, outbox, say, ticket, ticket_token

CHAT = 5557001


def test_the_call_to_a_window_reaches_the_chat_that_follows_the_ticket(
    bot: TestClient, context: AppContext, telegram: FakeTelegram
) -> None:
    headers = clerk(bot)
    bot.post(f"{OFFICE}/windows/2/open", json={}, headers=headers)
    mine = ticket(bot, headers)
    say(bot, CHAT, f"/start {ticket_token(context, mine, language='ru')}")
    deliver(context, telegram)

    called = bot.post(f"{OFFICE}/windows/2/call-next", headers=headers)
    deliver(context, telegram)

    assert called.status_code == 200 and called.json()["id"] == mine["id"]
    welcome, go = telegram.sent[str(CHAT)]
    assert mine["code"] in welcome
    assert go == text("called", "ru", {"code": mine["code"], "window": "2"})
    (message,) = outbox(context, subject=f"ticket:{mine['id']}")
    assert (message.kind, message.channel, message.language) == ("called", "telegram", "ru")


def test_a_ticket_followed_by_nobody_writes_no_message_on_its_call(
    bot: TestClient, context: AppContext, telegram: FakeTelegram
) -> None:
    headers = clerk(bot)
    bot.post(f"{OFFICE}/windows/2/open", json={}, headers=headers)
    ticket(bot, headers)

    bot.post(f"{OFFICE}/windows/2/call-next", headers=headers)

    assert outbox(context) == []
