"""Shortcuts for the bot's tests: book, link, write to the bot, run the relay, read the outbox."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from kezek.admin.telegram import booking_telegram_link, ticket_telegram_link
from kezek.booking.service import proof_of
from kezek.context import AppContext
from kezek.i18n.catalogs import translations
from kezek.notify.models import OutboxMessage
from kezek.notify.service import relay
from kezek.staff.models import Role
from tests.factories import booking_body, document
from tests.fakes.telegram import FakeTelegram, message_update
from tests.integration.staff.helpers import bearer, make_staff

WEBHOOK_SECRET = "test-webhook-secret_0123456789"
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
LINK = re.compile(r"https://t\.me/kezek_test_bot\?start=([A-Za-z0-9_-]{16,64})")


def book(bot: TestClient, *, number: int = 1, **overrides: Any) -> tuple[str, str]:
    """A booking through the API; its reference, and the proof its page holds."""
    body = booking_body(document_number=document(number), **overrides)
    response = bot.post("/api/v1/bookings", json=body)
    assert response.status_code == 201, response.text
    context: AppContext = bot.app.state.context  # type: ignore[attr-defined]
    return response.json()["reference"], proof_of(context, document(number))


def token_of(link: str | None) -> str:
    assert link is not None
    found = LINK.fullmatch(link)
    assert found, link
    return found.group(1)


def booking_token(
    context: AppContext, reference: str, proof: str, *, language: str | None = None
) -> str:
    return token_of(
        booking_telegram_link(context, reference=reference, proof=proof, language=language)
    )


_updates = iter(range(1000, 10**9))


def say(
    bot: TestClient,
    chat: int,
    text: str,
    *,
    language_code: str | None = "ru",
    update_id: int | None = None,
) -> dict[str, Any]:
    """A citizen writes to the bot; Telegram posts it to the webhook."""
    update = {"update_id": update_id or next(_updates), **message_update(chat, text)}
    if language_code is None:
        del update["message"]["from"]["language_code"]
    else:
        update["message"]["from"]["language_code"] = language_code
    response = bot.post("/telegram/webhook", json=update, headers=HEADERS)
    assert response.status_code == 200, response.text
    return update


def deliver(context: AppContext, telegram: FakeTelegram) -> int:
    """One relay pass; how many messages the fake Telegram has now."""
    sender = relay(context)
    try:
        sender.run_once()
    finally:
        for transport in sender.transports.values():
            transport.close()
    return len(telegram.messages)


def outbox(context: AppContext, **where: Any) -> list[OutboxMessage]:
    with context.sessions() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        for name, value in where.items():
            query = query.where(getattr(OutboxMessage, name) == value)
        found = list(session.scalars(query))
        session.expunge_all()
        return found


OFFICE = "/api/v1/offices/bsk"


def clerk(bot: TestClient) -> dict[str, str]:
    """A clerk of the Bishkek office, signed in."""
    context: AppContext = bot.app.state.context  # type: ignore[attr-defined]
    make_staff(context.sessions, "clerk-bsk", Role.clerk, ["bsk"])
    return bearer(bot, "clerk-bsk")


def ticket(bot: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    response = bot.post(f"{OFFICE}/tickets", json={"service": "quick"}, headers=headers)
    assert response.status_code == 201, response.text
    issued: dict[str, Any] = response.json()
    return issued


def ticket_token(context: AppContext, issued: dict[str, Any], *, language: str = "ky") -> str:
    link = ticket_telegram_link(
        context, ticket_id=issued["id"], ticket_secret=issued["secret"], language=language
    )
    return token_of(link)


def tr(language: str, message: str, **values: object) -> str:
    """A message as the catalogs of ``language`` say it."""
    said: str = translations(language).gettext(message)
    return said % values if values else said
