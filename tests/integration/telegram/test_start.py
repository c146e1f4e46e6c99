"""/start TOKEN: the chat follows the booking, is welcomed, and gets its reminders too."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from kezek.context import AppContext
from kezek.notify.models import Contact, TelegramLink
from kezek.types import utcnow
from tests.factories import start_at
from tests.fakes.telegram import FakeTelegram
from tests.integration.messages.helpers import remind
from tests.integration.telegram.bot import book, booking_token, deliver, outbox, say

CHAT = 5551001


def test_the_chat_that_opens_the_link_is_welcomed_with_the_booking(
    bot: TestClient, context: AppContext, telegram: FakeTelegram
) -> None:
    reference, proof = book(bot, language="ru")
    token = booking_token(context, reference, proof)

    say(bot, CHAT, f"/start {token}")

    assert telegram.messages == []  # the answer waits in the outbox for the relay
    assert deliver(context, telegram) == 1
    (welcome,) = telegram.sent[str(CHAT)]
    assert f"{reference[:4]}-{reference[4:]}" in welcome
    assert "Бишкекский офис, Бишкек, Чуй 1" in welcome
    with context.sessions() as session:
        contact = session.scalars(select(Contact)).one()
        link = session.scalars(select(TelegramLink)).one()
    assert (contact.subject, contact.channel, contact.address) == (
        f"booking:{reference}",
        "telegram",
        str(CHAT),
    )
    assert contact.language == "ru"
    assert link.chat_id == str(CHAT) and link.used_at is not None
    # Only the token's hash is kept: the database cannot rebuild the link.
    assert token not in (link.token_hash, link.subject) and len(link.token_hash) == 64


def test_the_reminders_still_to_come_are_written_for_the_chat(
    bot: TestClient, context: AppContext, telegram: FakeTelegram
) -> None:
    reference, proof = book(bot, start=start_at(days_ahead=3, hour=11))
    token = booking_token(context, reference, proof)

    say(bot, CHAT, f"/start {token}")

    queued = outbox(context, address=str(CHAT), status="queued")
    reminders = [message for message in queued if message.kind.startswith("reminder")]
    kinds = sorted(message.kind for message in reminders)
    assert kinds == ["reminder_day_before", "reminder_soon"]
    assert all(m.channel == "telegram" and m.due_at > utcnow() for m in reminders)
    assert all(m.subject == f"booking:{reference}" for m in reminders)
    soon = next(m for m in reminders if m.kind == "reminder_soon")
    day_before = next(m for m in reminders if m.kind == "reminder_day_before")
    assert soon.due_at - day_before.due_at > timedelta(hours=12)
    # The relays' pass, when they come near, finds them written: none twice for the chat.
    remind(bot)
    reminders = [m for m in outbox(context) if m.kind.startswith("reminder")]
    assert sorted((m.kind, m.channel, m.status) for m in reminders) == [
        ("reminder_day_before", "telegram", "queued"),
        ("reminder_soon", "telegram", "queued"),
    ]


def test_the_same_update_twice_is_answered_once(
    bot: TestClient, context: AppContext, telegram: FakeTelegram
) -> None:
    reference, proof = book(bot, start=start_at(days_ahead=3))
    token = booking_token(context, reference, proof)

    first = say(bot, CHAT, f"/start {token}")
    say(bot, CHAT, f"/start {token}", update_id=first["update_id"])  # Telegram's retry

    assert deliver(context, telegram) == 1
    assert len([m for m in outbox(context) if m.kind.startswith("reminder")]) == 2


def test_opening_the_link_again_in_the_same_chat_writes_no_second_reminders(
    bot: TestClient, context: AppContext, telegram: FakeTelegram
) -> None:
    reference, proof = book(bot, start=start_at(days_ahead=3))
    token = booking_token(context, reference, proof)

    say(bot, CHAT, f"/start {token}")
    say(bot, CHAT, f"/start {token}")

    assert deliver(context, telegram) == 2  # welcomed twice, as asked twice
    assert len([m for m in outbox(context) if m.kind.startswith("reminder")]) == 2


def test_a_booking_event_after_linking_reaches_the_chat(
    bot: TestClient, context: AppContext, telegram: FakeTelegram
) -> None:
    reference, proof = book(bot)
    say(bot, CHAT, f"/start {booking_token(context, reference, proof)}")
    deliver(context, telegram)

    cancelled = bot.post(
        f"/api/v1/bookings/{reference}/cancel", headers={"X-Document-Number": "AC0000001"}
    )

    assert cancelled.status_code == 200
    deliver(context, telegram)
    assert len(telegram.sent[str(CHAT)]) == 2
    assert f"{reference[:4]}-{reference[4:]}" in telegram.sent[str(CHAT)][-1]
    assert all(m.status != "queued" for m in outbox(context, address=str(CHAT)))
