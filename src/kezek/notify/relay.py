"""Delivering the outbox: claim due messages, send each, record each, retry or give up.

Any number of relays may run. On PostgreSQL a relay claims a batch with ``FOR UPDATE SKIP
LOCKED`` and marks it leased, so two relays never hold the same message; SQLite takes one
relay. Each message is recorded as sent right after its provider accepts it, so a relay
killed in the middle of a batch leaves at most the message it was sending unrecorded; past
its lease another relay sends that one again, under the same idempotency key, which a
provider that honours the key delivers once.

A relay that is merely slow must not do the same: it starts no send once its lease is too
near its end for the send to finish, and hands the rest of the batch back; what it records
afterwards about a message it no longer holds is dropped, the new holder's word counts.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from kezek.db import is_postgresql, run_transaction
from kezek.notify.channels import DeliveryFailed, Transport, without_address
from kezek.notify.models import MessageStatus, OutboxMessage
from kezek.ratelimit import Limit, RateLimiter, TooManyRequests
from kezek.types import utcnow

log = logging.getLogger(__name__)

# The longest a retry waits, however many tries came before.
MAX_BACKOFF = timedelta(hours=6)
# The longest a provider's "retry after" pauses a channel in this relay.
MAX_PAUSE_SECONDS = 60.0


@dataclass(frozen=True)
class RelayRules:
    batch: int
    max_attempts: int
    retry_seconds: float
    send_timeout: float
    per_second: Mapping[str, float]
    # How long a claim holds its batch; None: long enough for the whole batch to time out
    # message by message. Shorter leases hand a dead relay's batch over sooner.
    lease_seconds: float | None = None

    @property
    def lease(self) -> timedelta:
        if self.lease_seconds is not None:
            return timedelta(seconds=self.lease_seconds)
        return timedelta(seconds=max(120.0, self.batch * self.send_timeout * 1.5))

    @property
    def send_margin(self) -> timedelta:
        """What one send may take, at worst (connecting, then waiting for the answer)."""
        return timedelta(seconds=2 * self.send_timeout)


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
    exponent = min(max(attempts - 1, 0), 60)
    # Capped as seconds, before a timedelta is made: a huge one would overflow.
    return timedelta(seconds=min(first_seconds * 2.0**exponent, MAX_BACKOFF.total_seconds()))


def every(
    seconds: float, chore: Callable[[], object], *, clock: Callable[[], float] = time.monotonic
) -> Callable[[], object]:
    """The chore, run at most once in so many seconds however often it is called: a relay
    loops without pause while messages are due, and its chores need not."""
    last: float | None = None

    def throttled() -> object:
        nonlocal last
        now = clock()
        if last is not None and now - last < seconds:
            return None
        last = now
        return chore()

    return throttled


def rate_limit(channel: str, per_second: float) -> Limit:
    """The shared count that keeps a channel to ``per_second``: so many a second, or, below
    one a second, one in so many seconds."""
    if per_second >= 1:
        return Limit(f"notify-{channel}", hits=int(per_second), seconds=1)
    return Limit(f"notify-{channel}", hits=1, seconds=max(1, round(1 / per_second)))


@dataclass
class Relay:
    sessions: sessionmaker[Session]
    transports: Mapping[str, Transport]
    rules: RelayRules
    limiter: RateLimiter | None = None
    clock: Callable[[], datetime] = utcnow
    on_sent: Callable[[OutboxMessage], None] | None = None
    # Work that writes messages before each pass (the bookings' reminders nearly due): the
    # features above this one hand it in, so every relay running is enough to send them.
    chores: Sequence[Callable[[], object]] = ()
    # A channel's sends wait until then: over its rate, or told to wait by its provider.
    _paused_until: dict[str, datetime] = field(default_factory=dict)

    def run_once(self) -> Pass:
        result = Pass()
        for chore in self.chores:
            try:
                chore()
            except Exception:  # its failure must not hold back what is already due
                log.exception("notify: a chore before the pass failed; sending all the same")
        messages = self.claim()
        result.claimed = len(messages)
        for index, message in enumerate(messages):
            if not self._time_to_send(message):
                for held in messages[index:]:
                    self._release(held)
                break
            self._deliver(message, result)
        return result

    def run(self, *, poll_seconds: float, stop: Callable[[], bool]) -> None:
        while not stop():
            try:
                result = self.run_once()
            except Exception:  # the database away a while: the relay waits, it does not die
                log.exception("notify: a pass over the outbox failed; trying again")
                time.sleep(poll_seconds)
                continue
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
            until = now + self.rules.lease
            if found:
                session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id.in_([message.id for message in found]))
                    .values(leased_until=until)
                )
            session.expunge_all()
            for message in found:  # the lease this relay holds, to record under it
                message.leased_until = until
            return found

        return run_transaction(self.sessions, lease)

    def _time_to_send(self, message: OutboxMessage) -> bool:
        """Whether a send started now ends within this relay's lease on the message."""
        assert message.leased_until is not None
        return self.clock() + self.rules.send_margin < message.leased_until

    def _deliver(self, message: OutboxMessage, result: Pass) -> None:
        if not self._within_rate(message.channel):
            self._release(message)
            result.deferred += 1
            return
        try:
            self.transports[message.channel].send(message)
        except DeliveryFailed as exc:
            if exc.retry_after:  # the provider asks every sender to wait, not this message
                pause = timedelta(seconds=min(exc.retry_after, MAX_PAUSE_SECONDS))
                self._paused_until[message.channel] = self.clock() + pause
            self._failed(message, exc, result=result)
            return
        except Exception as exc:  # a transport's own bug must not lose the batch's record
            log.exception("notify: the %s transport failed unexpectedly", message.channel)
            self._failed(message, DeliveryFailed(f"unexpected {type(exc).__name__}"), result=result)
            return
        self._record_sent(message.id)
        result.sent += 1
        if self.on_sent is not None:
            self.on_sent(message)

    def _within_rate(self, channel: str) -> bool:
        """One shared count per channel and second, so that all relays together keep to
        the provider's rate."""
        now = self.clock()
        paused = self._paused_until.get(channel)
        if paused is not None and now < paused:
            return False
        rate = self.rules.per_second.get(channel, 0)
        if self.limiter is None or rate <= 0:
            return True
        limit = rate_limit(channel, rate)
        try:
            self.limiter.check(limit, channel, now=now)
        except TooManyRequests:  # this window's sends are spent: wait for the next one
            window = int(now.timestamp()) // limit.seconds
            self._paused_until[channel] = datetime.fromtimestamp(
                (window + 1) * limit.seconds, tz=now.tzinfo
            )
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

    def _release(self, message: OutboxMessage) -> None:
        """Hand the message back, unsent, for any relay's next pass."""
        run_transaction(
            self.sessions,
            lambda session: session.execute(
                update(OutboxMessage).where(*self._held(message)).values(leased_until=None)
            ),
        )

    @staticmethod
    def _held(message: OutboxMessage) -> tuple[ColumnElement[bool], ...]:
        """The message as this relay claimed it: still queued, under this relay's lease.
        Past the lease another relay may hold it; its record, not this one's, counts."""
        return (
            OutboxMessage.id == message.id,
            OutboxMessage.status == MessageStatus.queued.value,
            OutboxMessage.leased_until == message.leased_until,
        )

    def _failed(self, message: OutboxMessage, failure: DeliveryFailed, *, result: Pass) -> None:
        attempts = message.attempts + 1
        dead = failure.permanent or attempts >= self.rules.max_attempts
        now = self.clock()
        reason = without_address(str(failure), message.address)
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
            wait = backoff(attempts, self.rules.retry_seconds)
            if failure.retry_after:
                wait = max(wait, timedelta(seconds=failure.retry_after))
            values["due_at"] = now + wait
            result.retried += 1
        run_transaction(
            self.sessions,
            lambda session: session.execute(
                update(OutboxMessage).where(*self._held(message)).values(**values)
            ),
        )
