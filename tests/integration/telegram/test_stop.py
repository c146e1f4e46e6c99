"""/stop: the chat gets nothing more, and what was queued for it is withdrawn."""

from __future__ import annotations

from fastapi.testclient import TestClient

from kezek.admin.telegram import STOPPED
from kezek.context import AppContext
from tests.factories import start_at
from tests.fakes.telegram import FakeTelegram
from tests.integration.telegram.bot import HEADERS, book, booking_token, deliver, outbox, say, tr

CHAT = 5553001


def test_stop_withdraws_the_queued_reminders_and_later_events_skip_the_chat(
    bot: TestClient, context: AppContext, telegram: FakeTelegram
) -> None:
    reference, proof = book(bot, start=start_at(days_ahead=3))
    say(bot, CHAT, f"/start {booking_token(context, reference, proof)}")
    deliver(context, telegram)

    say(bot, CHAT, "/stop")
    bot.post(f"/api/v1/bookings/{reference}/cancel", headers={"X-Document-Number": "AC0000001"})
    deliver(context, telegram)

    welcome, stopped = telegram.sent[str(CHAT)]  # and no word of the cancellation
    assert f"{reference[:4]}-{reference[4:]}" in welcome
    assert stopped == tr("ky", STOPPED)  # the language of the booking and its link
    reminders = [m for m in outbox(context) if m.kind.startswith("reminder")]
    assert len(reminders) == 2 and {m.status for m in reminders} == {"withdrawn"}
    assert not [m for m in outbox(context) if m.kind == "cancelled"]


def test_the_same_link_follows_again_after_stop(
    bot: TestClient, context: AppContext, telegram: FakeTelegram
) -> None:
    reference, proof = book(bot, start=start_at(days_ahead=3))
    token = booking_token(context, reference, proof)
    say(bot, CHAT, f"/start {token}")
    say(bot, CHAT, "/stop")

    say(bot, CHAT, f"/start {token}")
    say(bot, CHAT, "/status")
    deliver(context, telegram)

    *_, stopped, welcome, status = telegram.sent[str(CHAT)]
    assert stopped == tr("ky", STOPPED)
    assert f"{reference[:4]}-{reference[4:]}" in welcome
    assert tr("ky", "Status: %(state)s", state=tr("ky", "Confirmed")) in status
    queued = [m for m in outbox(context, status="queued") if m.kind.startswith("reminder")]
    assert len(queued) == 2  # written again for the chat that came back


def test_stop_from_a_chat_that_follows_nothing_still_answers(
    bot: TestClient, context: AppContext, telegram: FakeTelegram
) -> None:
    say(bot, CHAT, "/stop", language_code="en")

    deliver(context, telegram)

    (answer,) = telegram.sent[str(CHAT)]
    assert answer == tr("en", STOPPED)


def test_blocking_the_bot_stops_the_messages_without_an_answer(
    bot: TestClient, context: AppContext, telegram: FakeTelegram
) -> None:
    reference, proof = book(bot, start=start_at(days_ahead=3))
    say(bot, CHAT, f"/start {booking_token(context, reference, proof)}")
    deliver(context, telegram)
    telegram.block(CHAT)

    blocked = {
        "update_id": 99,
        "my_chat_member": {
            "chat": {"id": CHAT, "type": "private"},
            "from": {"id": CHAT, "is_bot": False, "first_name": "Test"},
            "old_chat_member": {"status": "member", "user": {"id": 1, "is_bot": True}},
            "new_chat_member": {"status": "kicked", "user": {"id": 1, "is_bot": True}},
        },
    }
    response = bot.post("/telegram/webhook", json=blocked, headers=HEADERS)

    assert response.status_code == 200
    assert {m.status for m in outbox(context) if m.kind.startswith("reminder")} == {"withdrawn"}
    assert not outbox(context, status="queued")  # nothing written to a chat that blocked us
