"""A link that is expired, unknown, or taken by another chat: a clear refusal, in the
language the Telegram user reads."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from kezek.admin.telegram import NOT_FOLLOWING, REFUSALS, answer_update
from kezek.context import AppContext
from kezek.notify.models import Contact, TelegramLink
from kezek.notify.telegram import Refusal
from kezek.types import utcnow
from tests.factories import start_at
from tests.fakes.telegram import FakeTelegram, message_update
from tests.integration.telegram.bot import book, booking_token, deliver, outbox, say, tr

FIRST = 5554001
SECOND = 5554002


def test_a_second_chat_cannot_take_a_used_link(
    bot: TestClient, context: AppContext, telegram: FakeTelegram
) -> None:
    reference, proof = book(bot, start=start_at(days_ahead=3))
    token = booking_token(context, reference, proof)
    say(bot, FIRST, f"/start {token}")

    say(bot, SECOND, f"/start {token}", language_code="en")
    say(bot, SECOND, "/status", language_code="en")
    deliver(context, telegram)

    refused, status = telegram.sent[str(SECOND)]
    assert refused == tr("en", REFUSALS[Refusal.taken])
    assert status == tr("en", NOT_FOLLOWING)
    with context.sessions() as session:
        assert session.scalars(select(Contact.address)).all() == [str(FIRST)]
    assert not outbox(context, address=str(SECOND), kind="reminder_soon")


def test_of_chats_opening_one_link_at_once_one_gets_it(
    bot: TestClient, context: AppContext, telegram: FakeTelegram
) -> None:
    reference, proof = book(bot, start=start_at(days_ahead=3))
    token = booking_token(context, reference, proof)
    chats = range(5554100, 5554108)
    ready = threading.Barrier(len(chats))

    def open_link(chat: int) -> None:
        ready.wait()
        answer_update(context, {"update_id": chat, **message_update(chat, f"/start {token}")})

    with ThreadPoolExecutor(len(chats)) as pool:
        list(pool.map(open_link, chats))

    with context.sessions() as session:
        (winner,) = session.scalars(select(Contact.address)).all()
        link = session.scalars(select(TelegramLink)).one()
    assert link.chat_id == winner
    replies = {m.address: m.kind for m in outbox(context, subject=f"telegram:{winner}")}
    assert replies == {winner: "bot_welcome"}
    refused = [m for m in outbox(context) if m.kind == "bot_refused"]
    assert sorted(m.address for m in refused) == sorted(str(c) for c in chats if str(c) != winner)
    assert {m.address for m in outbox(context) if m.kind.startswith("reminder")} == {winner}


def test_another_link_of_the_same_booking_moves_it_to_the_new_chat(
    bot: TestClient, context: AppContext, telegram: FakeTelegram
) -> None:
    """The holder opened the page again, and the new link in another chat (a new phone):
    the old chat's queued reminders are withdrawn, the new one gets them."""
    reference, proof = book(bot, start=start_at(days_ahead=3))
    say(bot, FIRST, f"/start {booking_token(context, reference, proof)}")

    say(bot, SECOND, f"/start {booking_token(context, reference, proof)}")

    reminders = [m for m in outbox(context) if m.kind.startswith("reminder")]
    assert {(m.address, m.status) for m in reminders} == {
        (str(FIRST), "withdrawn"),
        (str(SECOND), "queued"),
    }


def test_an_expired_link_is_refused(
    bot: TestClient, context: AppContext, telegram: FakeTelegram
) -> None:
    reference, proof = book(bot, start=start_at(days_ahead=20))
    token = booking_token(context, reference, proof)
    with context.sessions.begin() as session:  # as if the week had passed
        session.execute(update(TelegramLink).values(expires_at=utcnow() - timedelta(seconds=1)))

    say(bot, FIRST, f"/start {token}")
    deliver(context, telegram)

    (refused,) = telegram.sent[str(FIRST)]
    assert refused == tr("ru", REFUSALS[Refusal.expired])  # the user's language_code
    with context.sessions() as session:
        assert session.scalars(select(Contact)).all() == []


@pytest.mark.parametrize(
    ("language_code", "expected"),
    [
        ("ky", "ky"),
        ("en-GB", "en"),
        (None, "ru"),  # no language known: Russian, the default
        ("de", "ru"),
    ],
)
def test_an_unknown_token_is_refused_in_the_users_language(
    bot: TestClient,
    context: AppContext,
    telegram: FakeTelegram,
    language_code: str | None,
    expected: str,
) -> None:
    say(bot, FIRST, "/start Zm9vYmFyYmF6cXV4cXV1eA", language_code=language_code)

    deliver(context, telegram)

    (refused,) = telegram.sent[str(FIRST)]
    assert refused == tr(expected, REFUSALS[Refusal.unknown])
    (message,) = outbox(context, address=str(FIRST))
    assert message.language == expected
