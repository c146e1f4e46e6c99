"""Delivering the outbox: claim due messages, send each, record each, retry or give up.

Any number of relays may run. On PostgreSQL a relay claims a batch with ``FOR UPDATE SKIP
LOCKED`` and marks it leased, so two relays never hold the same message; SQLite takes one
relay. Each message is recorded as sent right after its provider accepts it, so a relay
killed in the middle of a batch leaves at most the message it was sending unrecorded; past
its lease another relay sends that one again, under the same idempotency key, which a
provider that honours the key delivers once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from kezek.db import is_postgresql, run_transaction
from kezek.notify.channels import DeliveryFailed, Transport
from kezek.notify.models import MessageStatus, OutboxMessage
from kezek.ratelimit import Limit, RateLimiter, TooManyRequests
from kezek.types import utcnow

log = logging.getLogger(__name__)

# The longest a retry waits, however many tries came before.
MAX_BACKOFF = timedelta(hours=6)


@dataclass(frozen=True)
class RelayRules:
    batch: int
    max_attempts: int
    retry_seconds: float
    send_timeout: float
    per_second: Mapping[str, float]

    @property
    def lease(self) -> timedelta:
        """Long enough for a whole batch to time out message by message."""
        return timedelta(seconds=max(120.0, self.batch * self.send_timeout * 1.5))


@dataclass
class Pass:
    """What one pass over the outbox did."""

    claimed: int = 0
    sent: int = 0
    retried: int = 0
    dead: int = 0
    deferred: int = 0  # over a channel's rate: left for the next pass


def backoff(attempts: int, first_seconds: float) -> timedelta:
    """first, 2×first, 4×first… after the given number of failed tries, at most MAX_BACKOFF."""
    exponent = min(max(attempts - 1, 0), 30)  # 2**30 × anything is past the cap already
    return min(timedelta(seconds=first_seconds * 2**exponent), MAX_BACKOFF)


@dataclass
class Relay:
    sessions: sessionmaker[Session]
    transports: Mapping[str, Transport]
    rules: RelayRules
    limiter: RateLimiter | None = None
    clock: Callable[[], datetime] = utcnow
    on_sent: Callable[[OutboxMessage], None] | None = None
    _paused_until: dict[str, float] = field(default_factory=dict)

    def run_once(self) -> Pass:
        result = Pass()
        messages = self.claim()
        result.claimed = len(messages)
        for message in messages:
            self._deliver(message, result)
        return result

    def run(self, *, poll_seconds: float, stop: Callable[[], bool]) -> None:
        while not stop():
            result = self.run_once()
            if result.claimed < self.rules.batch or result.deferred:
                time.sleep(poll_seconds)

    def claim(self) -> list[OutboxMessage]:
        """Lease a batch of due messages of the channels this relay can send."""
        channels = list(self.transports)
        if not channels:
            return []

        def lease(session: Session) -> list[OutboxMessage]:
            now = self.clock()
            query = (
                select(OutboxMessage)
                .where(
                    OutboxMessage.status == MessageStatus.queued.value,
                    OutboxMessage.due_at <= now,
                    OutboxMessage.channel.in_(channels),
                    or_(OutboxMessage.leased_until.is_(None), OutboxMessage.leased_until < now),
                )
                .order_by(OutboxMessage.due_at, OutboxMessage.id)
                .limit(self.rules.batch)
            )
            if is_postgresql(session):
                query = query.with_for_update(skip_locked=True)
            found = list(session.scalars(query))
            if found:
                session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id.in_([message.id for message in found]))
                    .values(leased_until=now + self.rules.lease)
                )
            session.expunge_all()
            return found

        return run_transaction(self.sessions, lease)

    def _deliver(self, message: OutboxMessage, result: Pass) -> None:
        if not self._within_rate(message.channel):
            self._release(message.id)
            result.deferred += 1
            return
        try:
            self.transports[message.channel].send(message)
        except DeliveryFailed as exc:
            self._failed(message, str(exc), permanent=exc.permanent, result=result)
            return
        except Exception as exc:  # a transport's own bug must not lose the batch's record
            log.exception("notify: the %s transport failed unexpectedly", message.channel)
            self._failed(
                message, f"unexpected {type(exc).__name__}", permanent=False, result=result
            )
            return
        self._record_sent(message.id)
        result.sent += 1
        if self.on_sent is not None:
            self.on_sent(message)

    def _within_rate(self, channel: str) -> bool:
        """One shared count per channel and second, so that all relays together keep to
        the provider's rate."""
        if time.monotonic() < self._paused_until.get(channel, 0.0):
            return False
        rate = self.rules.per_second.get(channel, 0)
        if self.limiter is None or rate <= 0:
            return True
        try:
            self.limiter.check(
                Limit(f"notify-{channel}", hits=max(1, int(rate)), seconds=1),
                channel,
                now=self.clock(),
            )
        except TooManyRequests:
            self._paused_until[channel] = time.monotonic() + 1.0
            return False
        return True

    def _record_sent(self, message_id: int) -> None:
        now = self.clock()
        run_transaction(
            self.sessions,
            lambda session: session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message_id)
                .values(
                    status=MessageStatus.sent.value,
                    sent_at=now,
                    attempts=OutboxMessage.attempts + 1,
                    leased_until=None,
                    last_error=None,
                )
            ),
        )

    def _release(self, message_id: int) -> None:
        run_transaction(
            self.sessions,
            lambda session: session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message_id)
                .values(leased_until=None)
            ),
        )

    def _failed(
        self, message: OutboxMessage, reason: str, *, permanent: bool, result: Pass
    ) -> None:
        attempts = message.attempts + 1
        dead = permanent or attempts >= self.rules.max_attempts
        now = self.clock()
        values: dict[str, object] = {
            "attempts": attempts,
            "last_error": reason[:500],
            "leased_until": None,
        }
        if dead:
            values["status"] = MessageStatus.dead.value
            result.dead += 1
            log.warning("notify: message %s is a dead letter: %s", message.id, reason)
        else:
            values["due_at"] = now + backoff(attempts, self.rules.retry_seconds)
            result.retried += 1
        run_transaction(
            self.sessions,
            lambda session: session.execute(
                update(OutboxMessage).where(OutboxMessage.id == message.id).values(**values)
            ),
        )
