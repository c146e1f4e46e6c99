"""A failed send is tried again later, each wait twice the one before and never past the
cap; after KEZEK_NOTIFY_MAX_ATTEMPTS tries, or at once when refused for good, it is a dead
letter."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from kezek.config import Settings
from kezek.notify.models import MessageStatus, OutboxMessage
from kezek.notify.relay import MAX_BACKOFF, backoff
from tests.fakes import FakeSmsGateway
from tests.integration.notify.helpers import (
    PHONE,
    Clock,
    enqueue_all,
    message,
    outbox,
    relay_for,
)


def test_each_wait_doubles_up_to_the_cap() -> None:
    assert [backoff(n, 30).total_seconds() for n in range(1, 6)] == [30, 60, 120, 240, 480]
    assert backoff(0, 30) == timedelta(seconds=30)
    assert backoff(11, 30) == MAX_BACKOFF  # 30 × 2¹⁰ is past six hours
    assert backoff(10_000, 3600) == MAX_BACKOFF  # no overflow, however many tries
    assert backoff(10**9, 1e9) == MAX_BACKOFF


def test_a_failing_gateway_is_tried_again_after_growing_waits(
    notify_settings: Settings, sessions: sessionmaker[Session], sms_gateway: FakeSmsGateway
) -> None:
    clock = Clock()
    enqueue_all(sessions, [message("flaky", due_at=clock.now)], now=clock.now)
    relay = relay_for(sessions, notify_settings, clock=clock, retry_seconds=30)
    sms_gateway.fail_next(2)

    first = relay.run_once()
    clock.advance(seconds=29)
    early = relay.run_once()
    clock.advance(seconds=1)
    second = relay.run_once()
    after_second = outbox(sessions)["flaky"]
    clock.advance(seconds=60)
    third = relay.run_once()

    assert (first.retried, early.claimed, second.retried, third.sent) == (1, 0, 1, 1)
    assert after_second.due_at == clock.now  # 60 s after the second try
    assert after_second.last_error is not None and "500" in after_second.last_error
    row = outbox(sessions)["flaky"]
    assert (row.status, row.attempts, row.last_error) == (MessageStatus.sent.value, 3, None)
    assert [m["to"] for m in sms_gateway.delivered] == [PHONE]
    assert len(sms_gateway.received) == 3


def test_many_failed_tries_wait_the_cap_without_overflow(
    notify_settings: Settings, sessions: sessionmaker[Session], sms_gateway: FakeSmsGateway
) -> None:
    clock = Clock()
    enqueue_all(sessions, [message("stubborn", due_at=clock.now)], now=clock.now)
    with sessions.begin() as session:  # as if tried a thousand times already
        session.execute(update(OutboxMessage).values(attempts=1000))
    sms_gateway.fail_next(1)

    relay_for(sessions, notify_settings, clock=clock, max_attempts=5000).run_once()

    row = outbox(sessions)["stubborn"]
    assert (row.status, row.attempts) == (MessageStatus.queued.value, 1001)
    assert row.due_at == clock.now + MAX_BACKOFF


def test_after_the_last_try_the_message_is_a_dead_letter(
    notify_settings: Settings, sessions: sessionmaker[Session], sms_gateway: FakeSmsGateway
) -> None:
    clock = Clock()
    enqueue_all(sessions, [message("doomed", due_at=clock.now)], now=clock.now)
    relay = relay_for(sessions, notify_settings, clock=clock, max_attempts=3, retry_seconds=1)
    sms_gateway.fail_next(10)

    passes = []
    for _ in range(5):
        passes.append(relay.run_once())
        clock.advance(hours=1)

    row = outbox(sessions)["doomed"]
    assert [(p.retried, p.dead) for p in passes] == [(1, 0), (1, 0), (0, 1), (0, 0), (0, 0)]
    assert (row.status, row.attempts) == (MessageStatus.dead.value, 3)
    assert len(sms_gateway.received) == 3 and sms_gateway.delivered == []


def test_a_refused_number_is_dead_at_once_and_the_others_still_go(
    notify_settings: Settings, sessions: sessionmaker[Session], sms_gateway: FakeSmsGateway
) -> None:
    enqueue_all(sessions, [message("bad", to="+99600"), message("good")])
    sms_gateway.refuse("+99600")

    done = relay_for(sessions, notify_settings).run_once()

    rows = outbox(sessions)
    assert (done.dead, done.sent, done.retried) == (1, 1, 0)
    assert (rows["bad"].status, rows["bad"].attempts) == (MessageStatus.dead.value, 1)
    assert rows["bad"].last_error is not None and "400" in rows["bad"].last_error
    assert rows["good"].status == MessageStatus.sent.value
    assert [m["to"] for m in sms_gateway.delivered] == [PHONE]


def test_an_unreachable_gateway_is_tried_again(
    notify_settings: Settings, sessions: sessionmaker[Session], sms_gateway: FakeSmsGateway
) -> None:
    enqueue_all(sessions, [message("later")])
    sms_gateway.stop()  # nobody listens on its port any more

    done = relay_for(sessions, notify_settings).run_once()

    row = outbox(sessions)["later"]
    assert (done.retried, row.status, row.attempts) == (1, MessageStatus.queued.value, 1)
    assert row.last_error is not None and "unreachable" in row.last_error
