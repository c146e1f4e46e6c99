"""Messages, relays and a clock the tests of the outbox share."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kezek.config import Settings
from kezek.notify.models import Channel, OutboxMessage
from kezek.notify.outbox import Address, Message, enqueue
from kezek.notify.relay import Relay
from kezek.notify.service import relay_rules, transports
from kezek.ratelimit import RateLimiter
from kezek.types import utcnow

PHONE = "+996700000001"
CHAT = "5551234"
MAILBOX = "aigul@example.org"


class Clock:
    """A clock a test moves by hand; it starts at the wall clock's now."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def message(
    key: str,
    *,
    channel: Channel = Channel.sms,
    to: str | None = None,
    body: str = "Жазылууңуз ырасталды: K7M2QX",
    due_at: datetime | None = None,
    **fields: Any,
) -> Message:
    address = to or {Channel.sms: PHONE, Channel.telegram: CHAT, Channel.email: MAILBOX}[channel]
    return Message(
        key=key,
        subject=fields.pop("subject", "booking:K7M2QX"),
        kind=fields.pop("kind", "confirmed"),
        to=Address(channel, address, "ky"),
        body=body,
        due_at=due_at or utcnow(),
        **fields,
    )


def texts(count: int, *, prefix: str = "m", due_at: datetime | None = None) -> list[Message]:
    """``count`` SMS to as many numbers, each with its own key."""
    return [
        message(f"{prefix}{n}", to=f"+9967{n:08d}", body=f"Message {n}", due_at=due_at)
        for n in range(count)
    ]


def enqueue_all(
    sessions: sessionmaker[Session], messages: Sequence[Message], *, now: datetime | None = None
) -> int:
    """Write the messages in a transaction of their own, committed."""
    with sessions.begin() as session:
        return enqueue(session.connection(), messages, now=now or utcnow())


def relay_for(
    sessions: sessionmaker[Session],
    settings: Settings,
    *,
    clock: Clock | None = None,
    limiter: RateLimiter | None = None,
    **rules: Any,
) -> Relay:
    """A relay with the transports the settings configure; ``rules`` override its rules."""
    return Relay(
        sessions=sessions,
        transports=transports(settings),
        rules=replace(relay_rules(settings), **rules),
        limiter=limiter,
        clock=clock or utcnow,
    )


def outbox(sessions: sessionmaker[Session]) -> dict[str, OutboxMessage]:
    """Every row of the outbox, by the key it was written with (these tests use keys
    without a colon, which the outbox then adds with the channel and address)."""
    with sessions() as session:
        rows = list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        session.expunge_all()
    return {row.key.split(":", 1)[0]: row for row in rows}


def outbox_key(sent: Message) -> str:
    """The key the outbox gives the message, sent to providers as the idempotency key."""
    return f"{sent.key}:{sent.to.channel.value}:{sent.to.address}"
