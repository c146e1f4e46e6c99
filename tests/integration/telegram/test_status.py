"""/status: where the followed booking or ticket stands, in the language of its link."""

from __future__ import annotations

from datetime import datetime

from fastapi.testclient import TestClient

from kezek.admin.telegram import NOT_FOLLOWING
from kezek.context import AppContext
from kezek.i18n.formats import Formats
from tests.factories import ZONES, start_at
from tests.fakes.telegram import FakeTelegram
from tests.integration.telegram.bot import (
    OFFICE,
    book,
    booking_token,
    clerk,
    deliver,
    say,
    ticket,
    ticket_token,
    tr,
)

CHAT = 5552001


def _status(bot: TestClient, context: AppContext, telegram: FakeTelegram, chat: int) -> str:
    say(bot, chat, "/status", language_code="en")  # the link's language wins over the app's
    deliver(context, telegram)
    return telegram.sent[str(chat)][-1]


def test_a_kyrgyz_booking_is_told_in_kyrgyz(
    bot: TestClient, context: AppContext, telegram: FakeTelegram
) -> None:
    start = start_at(days_ahead=2, hour=10, minute=30)
    reference, proof = book(bot, language="ky", start=start)
    say(bot, CHAT, f"/start {booking_token(context, reference, proof)}")

    status = _status(bot, context, telegram, CHAT)

    day = Formats("ky").day(datetime.fromisoformat(start), ZONES["bsk"])
    assert f"{day}, 10:30" in status
    assert "Бишкек кеңсеси, Бишкек, Чүй 1" in status
    assert "Тез кызмат" in status
    assert f"{reference[:4]}-{reference[4:]}" in status


def test_a_russian_booking_is_told_in_russian_and_cancelled_once_it_is(
    bot: TestClient, context: AppContext, telegram: FakeTelegram
) -> None:
    start = start_at(days_ahead=2, hour=15)
    reference, proof = book(bot, language="ru", start=start)
    say(bot, CHAT, f"/start {booking_token(context, reference, proof)}")
    bot.post(f"/api/v1/bookings/{reference}/cancel", headers={"X-Document-Number": "AC0000001"})

    status = _status(bot, context, telegram, CHAT)

    day = Formats("ru").day(datetime.fromisoformat(start), ZONES["bsk"])
    assert f"{day}, 15:00" in status
    assert "Бишкекский офис, Бишкек, Чуй 1" in status
    assert "Отменён" in status  # the state, as the Russian pages write it


def test_a_ticket_shows_the_people_before_it_then_its_window(
    bot: TestClient, context: AppContext, telegram: FakeTelegram
) -> None:
    headers = clerk(bot)
    bot.post(f"{OFFICE}/windows/2/open", json={}, headers=headers)
    for _ in range(2):
        ticket(bot, headers)
    mine = ticket(bot, headers)
    say(bot, CHAT, f"/start {ticket_token(context, mine, language='ru')}")

    waiting = _status(bot, context, telegram, CHAT)
    for _ in range(2):  # the two before it are served
        before = bot.post(f"{OFFICE}/windows/2/call-next", headers=headers).json()
        bot.post(f"/api/v1/tickets/{before['id']}/start", headers=headers)
        bot.post(f"/api/v1/tickets/{before['id']}/finish", headers=headers)
    bot.post(f"{OFFICE}/windows/2/call-next", headers=headers)
    called = _status(bot, context, telegram, CHAT)

    assert mine["code"] in waiting and "В очереди" in waiting  # "Waiting", in Russian
    assert tr("ru", "People before you: %(count)d", count=2) in waiting
    assert "Вызван: идёт к вашему окну" in called
    assert tr("ru", "Go to window %(window)s.", window="2") in called


def test_a_chat_that_follows_nothing_is_told_how_to_start(
    bot: TestClient, context: AppContext, telegram: FakeTelegram
) -> None:
    say(bot, CHAT, "/status", language_code="en")

    deliver(context, telegram)

    (answer,) = telegram.sent[str(CHAT)]
    assert answer == tr("en", NOT_FOLLOWING)
