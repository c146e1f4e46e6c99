"""A running relay outlives a failed pass (the database away a moment) and goes on sending."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from kezek.config import Settings
from kezek.notify.models import OutboxMessage
from kezek.notify.relay import every
from tests.fakes import FakeSmsGateway
from tests.integration.notify.helpers import enqueue_all, relay_for, texts


def test_a_failed_pass_is_logged_and_the_next_one_sends(
    notify_settings: Settings,
    sessions: sessionmaker[Session],
    sms_gateway: FakeSmsGateway,
    caplog: pytest.LogCaptureFixture,
) -> None:
    enqueue_all(sessions, texts(3))
    relay = relay_for(sessions, notify_settings)
    claim = relay.claim
    passes = 0

    def flaky_claim() -> list[OutboxMessage]:
        nonlocal passes
        passes += 1
        if passes == 1:
            raise OperationalError("SELECT …", {}, Exception("server closed the connection"))
        return claim()

    relay.claim = flaky_claim  # type: ignore[method-assign]

    relay.run(poll_seconds=0.01, stop=lambda: passes >= 3)

    assert len(sms_gateway.delivered) == 3
    assert "a pass over the outbox failed" in caplog.text


def test_a_failed_chore_is_logged_and_what_is_due_is_sent_all_the_same(
    notify_settings: Settings,
    sessions: sessionmaker[Session],
    sms_gateway: FakeSmsGateway,
    caplog: pytest.LogCaptureFixture,
) -> None:
    enqueue_all(sessions, texts(2))
    relay = relay_for(sessions, notify_settings)
    chores_run = []

    def failing() -> None:
        chores_run.append("failing")
        raise OperationalError("SELECT …", {}, Exception("database is locked"))

    relay.chores = [failing, lambda: chores_run.append("next")]

    done = relay.run_once()

    assert chores_run == ["failing", "next"]
    assert done.sent == 2 and len(sms_gateway.delivered) == 2
    assert "a chore before the pass failed" in caplog.text


def test_a_chore_runs_at_most_once_in_its_interval() -> None:
    now = [0.0]
    runs: list[float] = []
    chore = every(60, lambda: runs.append(now[0]), clock=lambda: now[0])

    for moment in (0.0, 10.0, 59.9, 60.0, 61.0, 130.0):
        now[0] = moment
        chore()

    assert runs == [0.0, 60.0, 130.0]
