"""A claimed message is held for the claim's lease: a relay that died with it leaves it to
another only after the lease; a relay too slow for its lease hands the rest back, and its
late word about a message another relay took over counts for nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from kezek.config import Settings
from kezek.notify.channels import DeliveryFailed, Transport
from kezek.notify.models import MessageStatus, OutboxMessage
from tests.fakes import FakeSmsGateway
from tests.integration.notify.helpers import Clock, enqueue_all, outbox, relay_for, texts

# A send may take 2 × 5 s: with 60 s, a relay starts no send later than 50 s into its lease.
LEASE = {"lease_seconds": 60, "send_timeout": 5}


@dataclass
class Slow:
    """A transport whose every send takes ``seconds`` of the test's clock, then does ``then``."""

    inner: Transport
    clock: Clock
    seconds: float
    then: Callable[[OutboxMessage], None] | None = None

    def send(self, message: OutboxMessage) -> None:
        self.clock.advance(seconds=self.seconds)
        if self.then is not None:
            self.then(message)
        else:
            self.inner.send(message)

    def close(self) -> None:
        self.inner.close()


def test_a_dead_relay_s_messages_are_taken_over_only_after_its_lease(
    notify_settings: Settings, sessions: sessionmaker[Session], sms_gateway: FakeSmsGateway
) -> None:
    clock = Clock()
    start = clock.now
    enqueue_all(sessions, texts(3, due_at=start))
    dead = relay_for(sessions, notify_settings, clock=clock, **LEASE)
    other = relay_for(sessions, notify_settings, clock=clock, **LEASE)

    claimed = dead.claim()  # …and the relay dies before sending any of them
    clock.advance(seconds=59)
    during = other.run_once()
    clock.advance(seconds=1.5)
    after = other.run_once()

    assert len(claimed) == 3
    assert {row.leased_until for row in outbox(sessions).values()} == {None}
    assert {row.leased_until for row in claimed} == {start + timedelta(seconds=60)}
    assert during.claimed == 0
    assert after.sent == 3
    assert sorted(sms_gateway.keys) == sorted(row.key for row in claimed)
    assert sum(sms_gateway.accepted.values()) == 3


def test_a_relay_too_slow_for_its_lease_hands_the_rest_back(
    notify_settings: Settings, sessions: sessionmaker[Session], sms_gateway: FakeSmsGateway
) -> None:
    clock = Clock()
    enqueue_all(sessions, texts(12, due_at=clock.now))
    slow = relay_for(sessions, notify_settings, clock=clock, batch=12, **LEASE)
    slow.transports = {"sms": Slow(slow.transports["sms"], clock, seconds=6)}
    other = relay_for(sessions, notify_settings, clock=clock, **LEASE)

    done = slow.run_once()
    handed_back = [row for row in outbox(sessions).values() if row.status == "queued"]
    taken_over = other.run_once()

    # Sends start at 0, 6, … 48 s; the one at 54 s could end past the lease at 60 s.
    assert (done.claimed, done.sent) == (12, 9)
    assert len(handed_back) == 3 and {row.leased_until for row in handed_back} == {None}
    assert taken_over.sent == 3
    assert len(sms_gateway.delivered) == 12 == sum(sms_gateway.accepted.values())


def test_a_late_failure_does_not_undo_the_new_holder_s_delivery(
    notify_settings: Settings, sessions: sessionmaker[Session], sms_gateway: FakeSmsGateway
) -> None:
    clock = Clock()
    enqueue_all(sessions, texts(1, due_at=clock.now))
    late = relay_for(sessions, notify_settings, clock=clock, **LEASE)
    other = relay_for(sessions, notify_settings, clock=clock, **LEASE)

    def hang_past_the_lease_then_fail(message: OutboxMessage) -> None:
        # While this send hangs past the lease, the other relay takes the message over and
        # delivers it; then the gateway refuses this relay's copy.
        clock.advance(seconds=61)
        assert other.run_once().sent == 1
        raise DeliveryFailed("refused", permanent=True)

    late.transports = {
        "sms": Slow(late.transports["sms"], clock, 0, then=hang_past_the_lease_then_fail)
    }

    done = late.run_once()

    [row] = outbox(sessions).values()
    assert done.dead == 1  # the late relay's own count; the outbox keeps the delivery
    assert (row.status, row.attempts, row.last_error) == (MessageStatus.sent.value, 1, None)
    assert len(sms_gateway.delivered) == 1
