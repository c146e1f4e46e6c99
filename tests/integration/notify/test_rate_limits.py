"""A channel's rate is shared by every relay: together they send no more a second than the
provider allows, and what is over waits for the next second, untried."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy.orm import Session, sessionmaker

from kezek.config import Settings
from kezek.notify.relay import rate_limit
from kezek.ratelimit import DatabaseCounter, RateLimiter
from kezek.types import utcnow
from tests.conftest import TEST_SECRET
from tests.fakes import FakeSmsGateway
from tests.integration.notify.helpers import Clock, enqueue_all, outbox, relay_for, texts


def test_two_relays_together_keep_to_the_channel_s_rate(
    notify_settings: Settings, sessions: sessionmaker[Session], sms_gateway: FakeSmsGateway
) -> None:
    # Just past a whole second, so that each pass falls within one second's count.
    clock = Clock(datetime.fromtimestamp(int(utcnow().timestamp()) + 0.1, tz=utcnow().tzinfo))
    enqueue_all(sessions, texts(12, due_at=clock.now), now=clock.now)
    shared = RateLimiter(DatabaseCounter(sessions), TEST_SECRET.encode())
    one, two = (
        relay_for(
            sessions, notify_settings, clock=clock, limiter=shared, batch=4, per_second={"sms": 5}
        )
        for _ in range(2)
    )

    first = [one.run_once(), two.run_once(), one.run_once()]
    clock.advance(seconds=0.5)
    same_second = two.run_once()
    clock.advance(seconds=0.5)
    next_second = [one.run_once(), two.run_once()]

    assert [p.sent for p in first] == [4, 1, 0]
    assert [p.deferred for p in first] == [0, 3, 4]
    assert same_second.sent == 0
    assert sum(p.sent for p in next_second) == 5
    assert len(sms_gateway.delivered) == 10 == len(set(sms_gateway.keys))
    rows = outbox(sessions).values()
    assert sum(row.attempts for row in rows) == 10  # a deferred message used no try
    assert all(row.leased_until is None for row in rows if row.status == "queued")


@pytest.mark.parametrize(
    ("per_second", "hits", "seconds"), [(20, 20, 1), (2.5, 2, 1), (0.5, 1, 2), (0.1, 1, 10)]
)
def test_a_rate_below_one_a_second_is_one_in_so_many_seconds(
    per_second: float, hits: int, seconds: int
) -> None:
    limit = rate_limit("sms", per_second)

    assert (limit.hits, limit.seconds) == (hits, seconds)
