"""The outbox of messages to send, the chats and codes that reach citizens.

A message is a row written in the same transaction as the event that causes it: a
rolled-back booking leaves no message, a committed one always has its messages. Relays
deliver the rows (``relay``); nothing is sent from a web request.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from kezek.db import Base
from kezek.types import UTCDateTime, utcnow


class Channel(StrEnum):
    sms = "sms"
    telegram = "telegram"
    email = "email"


class MessageStatus(StrEnum):
    queued = "queued"
    sent = "sent"
    # Tried notify_max_attempts times, or refused for good: an admin looks and may retry.
    dead = "dead"
    # No longer true before it was sent (a reminder of a booking since moved or cancelled).
    withdrawn = "withdrawn"


class OutboxMessage(Base):
    __tablename__ = "notify_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    # One message per event, kind and address: a repeated event writes nothing more, and
    # the key goes to the provider as its idempotency key.
    key: Mapped[str] = mapped_column(String(200), unique=True)
    # What the message is about ("booking:K7M2QX", "ticket:42"): lets an event withdraw
    # the reminders it makes untrue, and a new Telegram chat receive what is still to come.
    subject: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(24))
    channel: Mapped[str] = mapped_column(String(10))
    address: Mapped[str] = mapped_column(String(320))
    language: Mapped[str] = mapped_column(String(2))
    subject_line: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text)
    # An iCalendar file for e-mail; None for the rest.
    calendar: Mapped[str | None] = mapped_column(Text, nullable=True)
    status: Mapped[str] = mapped_column(String(10), default=MessageStatus.queued)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Not before this moment: reminders wait for their hour, retries for their backoff.
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # A relay holds the row until then; past it, another relay may take it over.
    leased_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (
        CheckConstraint("status IN ('queued', 'sent', 'dead', 'withdrawn')", name="known_status"),
        CheckConstraint("channel IN ('sms', 'telegram', 'email')", name="known_channel"),
        # The relays' claim: due queued rows, oldest first.
        Index(
            "ix_notify_outbox_due",
            "due_at",
            postgresql_where=text("status = 'queued'"),
            sqlite_where=text("status = 'queued'"),
        ),
        # What an event withdraws: the subject's messages. No index on created_at: each
        # index costs every booking of a rush, and the hourly purge can afford a scan.
        Index("ix_notify_outbox_subject", "subject"),
    )


class Contact(Base):
    """A channel a citizen chose for one booking or ticket, beside the phone's SMS."""

    __tablename__ = "notify_contact"

    subject: Mapped[str] = mapped_column(String(40), primary_key=True)
    channel: Mapped[str] = mapped_column(String(10), primary_key=True)
    address: Mapped[str] = mapped_column(String(320))
    language: Mapped[str] = mapped_column(String(2))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TelegramLink(Base):
    """A one-time token in a t.me link: the chat that opens it follows the subject."""

    __tablename__ = "notify_telegram_link"

    # SHA-256 of the token: the link itself is the only copy of it.
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    subject: Mapped[str] = mapped_column(String(40), index=True)
    language: Mapped[str] = mapped_column(String(2))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # /status and /stop find what a chat follows by it.
    chat_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)


class PhoneCode(Base):
    """A one-time code sent to a phone; the phone is proven once it is typed back."""

    __tablename__ = "notify_phone_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(20), index=True)
    # Keyed hash of the code: a database reader cannot type it back.
    code_hash: Mapped[str] = mapped_column(String(64))
    tries: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
