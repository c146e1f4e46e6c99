"""Forgetting what can no longer matter: old idempotency records and spent counters.

An Idempotency-Key is remembered so that a retry after a lost answer acts once; after
``KEZEK_IDEMPOTENCY_KEEP_HOURS`` (two days) no client is still retrying, and the key is
forgotten. Rate-limit counts whose window has passed, wrong-password records older than the
longest lock they can cause, and expired sign-in tokens are deleted; so are messages sent
or given up ``KEZEK_NOTIFY_KEEP_DAYS`` ago, with the addresses chosen for them, spent
phone codes, Telegram links never opened, and the phones of tickets two days old. Every
server process runs this now and then, and ``kezek db purge`` runs it at once; running it
twice deletes nothing more, so processes need not agree on who does it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from kezek.booking.models import Booking
from kezek.notify.models import Contact, MessageStatus, OutboxMessage, PhoneCode, TelegramLink
from kezek.notify.verification import PHONE_PROOF_KEPT
from kezek.queue.models import QueueRequest, Ticket
from kezek.ratelimit import RATE_COUNT
from kezek.staff.attempts import FAILURES_KEPT
from kezek.staff.models import ApiToken, SignInFailure

TICKET_PHONE_KEPT = timedelta(days=2)


@dataclass(frozen=True)
class Purged:
    queue_requests: int
    booking_keys: int
    rate_counts: int
    sign_in_failures: int
    expired_tokens: int
    messages: int = 0
    phone_codes: int = 0
    telegram_links: int = 0
    ticket_phones: int = 0

    @property
    def total(self) -> int:
        return (
            self.queue_requests
            + self.booking_keys
            + self.rate_counts
            + self.sign_in_failures
            + self.expired_tokens
            + self.messages
            + self.phone_codes
            + self.telegram_links
            + self.ticket_phones
        )


def purge(
    session: Session,
    *,
    now: datetime,
    keep_keys: timedelta,
    keep_messages: timedelta = timedelta(days=30),
) -> Purged:
    """Delete, in one transaction, what no request can need any more."""
    keys_before = now - keep_keys
    queue_requests = session.execute(
        delete(QueueRequest).where(QueueRequest.created_at < keys_before)
    )
    booking_keys = session.execute(
        update(Booking)
        .where(Booking.idempotency_key.is_not(None), Booking.created_at < keys_before)
        .values(idempotency_key=None, request_fingerprint=None)
    )
    rate_counts = session.execute(delete(RATE_COUNT).where(RATE_COUNT.c.expires_at < now))
    failures = session.execute(delete(SignInFailure).where(SignInFailure.at < now - FAILURES_KEPT))
    tokens = session.execute(delete(ApiToken).where(ApiToken.expires_at < now))
    messages_before = now - keep_messages
    # Queued messages stay, however old: they are still to be sent.
    messages = session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.created_at < messages_before,
            OutboxMessage.status != MessageStatus.queued.value,
        )
    )
    # A chosen e-mail address or chat is kept no longer than the messages sent to it.
    session.execute(delete(Contact).where(Contact.created_at < messages_before))
    codes = session.execute(delete(PhoneCode).where(PhoneCode.expires_at < now - PHONE_PROOF_KEPT))
    # A ticket's phone serves its day's messages and its one-ticket-a-day rule, no more.
    phones = session.execute(
        update(Ticket)
        .where(Ticket.phone.is_not(None), Ticket.day < (now - TICKET_PHONE_KEPT).date())
        .values(phone=None)
    )
    # An opened link is what a chat follows: kept as long as the messages sent to it.
    links = session.execute(
        delete(TelegramLink).where(
            (TelegramLink.expires_at < now) & TelegramLink.used_at.is_(None)
            | (TelegramLink.expires_at < messages_before)
        )
    )
    return Purged(
        queue_requests=queue_requests.rowcount,  # type: ignore[attr-defined]
        booking_keys=booking_keys.rowcount,  # type: ignore[attr-defined]
        rate_counts=rate_counts.rowcount,  # type: ignore[attr-defined]
        sign_in_failures=failures.rowcount,  # type: ignore[attr-defined]
        expired_tokens=tokens.rowcount,  # type: ignore[attr-defined]
        messages=messages.rowcount,  # type: ignore[attr-defined]
        phone_codes=codes.rowcount,  # type: ignore[attr-defined]
        telegram_links=links.rowcount,  # type: ignore[attr-defined]
        ticket_phones=phones.rowcount,  # type: ignore[attr-defined]
    )
