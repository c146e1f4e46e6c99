"""Writing messages into the outbox, inside the caller's transaction.

Callers pass the connection of the transaction that records the event, so the message and
the event commit or roll back together. Each message has a key naming its event, kind and
address: writing it twice (a retried request, a replayed event) keeps one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, select, update

from kezek.db import dialect_insert
from kezek.notify.models import Channel, Contact, MessageStatus, OutboxMessage

OUTBOX: Table = OutboxMessage.__table__  # type: ignore[assignment]
CONTACT: Table = Contact.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class Address:
    """Where one citizen is reached on one channel, and in which language."""

    channel: Channel
    address: str
    language: str


@dataclass(frozen=True)
class Message:
    key: str  # the event's own name, such as "booking:K7M2QX:confirmed:2"
    subject: str
    kind: str
    to: Address
    body: str
    due_at: datetime
    subject_line: str = ""
    calendar: str | None = None

    def row(self, now: datetime) -> dict[str, Any]:
        return {
            "key": f"{self.key}:{self.to.channel.value}:{self.to.address}"[:200],
            "subject": self.subject,
            "kind": self.kind,
            "channel": self.to.channel.value,
            "address": self.to.address,
            "language": self.to.language,
            "subject_line": self.subject_line,
            "body": self.body,
            "calendar": self.calendar,
            "status": MessageStatus.queued.value,
            "attempts": 0,
            "due_at": self.due_at,
            "created_at": now,
        }


def enqueue(
    connection: Connection, messages: Sequence[Message], *, now: datetime, revive: bool = False
) -> int:
    """Write the messages not written before; return how many are new. With ``revive``, a
    message written and withdrawn before is queued again: it has become true again."""
    if not messages:
        return 0
    insert = dialect_insert(connection.dialect.name, OUTBOX).values(
        [message.row(now) for message in messages]
    )
    if revive:
        statement = insert.on_conflict_do_update(
            index_elements=[OUTBOX.c.key],
            set_={
                "status": MessageStatus.queued.value,
                "due_at": insert.excluded.due_at,
                "language": insert.excluded.language,
                "subject_line": insert.excluded.subject_line,
                "body": insert.excluded.body,
                "calendar": insert.excluded.calendar,
                "attempts": 0,
                "leased_until": None,
                "last_error": None,
            },
            where=OUTBOX.c.status == MessageStatus.withdrawn.value,
        )
    else:
        statement = insert.on_conflict_do_nothing(index_elements=[OUTBOX.c.key])
    return len(connection.execute(statement.returning(OUTBOX.c.id)).all())


def withdraw(connection: Connection, *, subject: str, kinds: Iterable[str] | None = None) -> int:
    """Withdraw the subject's messages not yet sent (of these kinds): they are untrue now."""
    statement = update(OUTBOX).where(
        OUTBOX.c.subject == subject, OUTBOX.c.status == MessageStatus.queued.value
    )
    if kinds is not None:
        statement = statement.where(OUTBOX.c.kind.in_(list(kinds)))
    result = connection.execute(statement.values(status=MessageStatus.withdrawn.value))
    return int(result.rowcount)


def contacts(connection: Connection, subject: str) -> list[Address]:
    """The channels besides SMS that the citizen chose for the subject."""
    rows = connection.execute(
        select(CONTACT.c.channel, CONTACT.c.address, CONTACT.c.language).where(
            CONTACT.c.subject == subject
        )
    )
    return [Address(Channel(channel), address, language) for channel, address, language in rows]


def add_contact(connection: Connection, *, subject: str, to: Address, now: datetime) -> None:
    """Choose a channel for the subject; a new address on the channel replaces the old."""
    insert = dialect_insert(connection.dialect.name, CONTACT)
    connection.execute(
        insert.values(
            subject=subject,
            channel=to.channel.value,
            address=to.address,
            language=to.language,
            created_at=now,
        ).on_conflict_do_update(
            index_elements=[CONTACT.c.subject, CONTACT.c.channel],
            set_={"address": to.address, "language": to.language},
        )
    )


def drop_contact(connection: Connection, *, subject: str, channel: Channel) -> None:
    connection.execute(
        CONTACT.delete().where(CONTACT.c.subject == subject, CONTACT.c.channel == channel.value)
    )
    connection.execute(
        update(OUTBOX)
        .where(
            OUTBOX.c.subject == subject,
            OUTBOX.c.channel == channel.value,
            OUTBOX.c.status == MessageStatus.queued.value,
        )
        .values(status=MessageStatus.withdrawn.value)
    )
