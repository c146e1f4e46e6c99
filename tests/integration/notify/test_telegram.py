"""Telegram messages go through the Bot API's sendMessage to the citizen's chat; a chat that
blocked the bot is given up at once, and a 429 waits as long as Telegram asks."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from kezek.config import Settings
from kezek.notify.models import Channel, MessageStatus
from tests.fakes import FakeTelegram
from tests.fakes.telegram import BLOCKED
from tests.integration.notify.helpers import CHAT, Clock, enqueue_all, message, outbox, relay_for


def test_send_message_reaches_the_chat(
    notify_settings: Settings, sessions: sessionmaker[Session], telegram: FakeTelegram
) -> None:
    text = "Эртең саат 10:00до келиңиз: https://kezek.example/b/K7M2QX"
    enqueue_all(sessions, [message("tg", channel=Channel.telegram, body=text)])

    done = relay_for(sessions, notify_settings).run_once()

    assert done.sent == 1
    assert telegram.sent == {CHAT: [text]}
    [call] = telegram.messages
    assert call["chat_id"] == CHAT
    assert call["link_preview_options"] == {"is_disabled": True}
    assert outbox(sessions)["tg"].status == MessageStatus.sent.value


def test_a_chat_that_blocked_the_bot_is_a_dead_letter_at_once(
    notify_settings: Settings, sessions: sessionmaker[Session], telegram: FakeTelegram
) -> None:
    telegram.block("777")
    enqueue_all(
        sessions,
        [
            message("blocked", channel=Channel.telegram, to="777"),
            message("open", channel=Channel.telegram),
        ],
    )

    done = relay_for(sessions, notify_settings).run_once()

    row = outbox(sessions)["blocked"]
    assert (done.dead, done.sent) == (1, 1)
    assert (row.status, row.attempts) == (MessageStatus.dead.value, 1)
    assert row.last_error is not None and "403" in row.last_error and BLOCKED in row.last_error
    assert list(telegram.sent) == [CHAT]


def test_too_many_requests_waits_as_long_as_telegram_asks(
    notify_settings: Settings, sessions: sessionmaker[Session], telegram: FakeTelegram
) -> None:
    clock = Clock()
    enqueue_all(
        sessions,
        [
            message(f"t{n}", channel=Channel.telegram, to=str(1000 + n), due_at=clock.now)
            for n in range(3)
        ],
    )
    telegram.throttle(1, retry_after=7)
    relay = relay_for(sessions, notify_settings, clock=clock, retry_seconds=1)

    first = relay.run_once()
    throttled = outbox(sessions)["t0"]
    clock.advance(seconds=6)
    still = relay.run_once()
    clock.advance(seconds=1)
    then = relay.run_once()

    # The whole bot waits, not the one message: the others of the batch are held back too.
    assert (first.retried, first.deferred, first.sent) == (1, 2, 0)
    assert throttled.due_at == clock.now and throttled.attempts == 1  # 7 s, not 1 s, later
    assert still.sent == 0
    assert then.sent == 3
    assert sorted(telegram.sent) == ["1000", "1001", "1002"]
