"""kill -9 the relay in the middle of a batch: every message still arrives, none twice.

``kezek notify run`` sends a few hundred SMS through a gateway that honours Idempotency-Key
and is a little slow, and is killed with SIGKILL while a batch is half sent. What it had
claimed stays with it for its lease: a relay started at once sends everything else but not
those; once the lease has passed, a relay takes them over, and the gateway, which may see
the one message that was in flight a second time under the same key, delivers each once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from kezek.config import Settings
from kezek.notify.models import OutboxMessage
from kezek.notify.relay import Relay
from kezek.notify.service import relay_rules, transports
from kezek.types import utcnow
from tests.conftest import TEST_SECRET
from tests.fakes import FakeSmsGateway
from tests.fakes.fixtures import pointed_at, provider_env
from tests.integration.notify.helpers import enqueue_all, outbox_key, texts

MESSAGES = 300
KILL_AFTER = 75  # delivered: the second batch of 50 is half sent


def _statuses(sessions: sessionmaker[Session]) -> dict[tuple[str, bool], int]:
    """Messages by status and by whether a relay holds them."""
    with sessions() as session:
        rows = session.execute(
            select(
                OutboxMessage.status, OutboxMessage.leased_until.is_not(None), func.count()
            ).group_by(OutboxMessage.status, OutboxMessage.leased_until.is_not(None))
        )
        return {(status, bool(leased)): count for status, leased, count in rows}


def _drain(relay: Relay) -> int:
    sent = 0
    while (done := relay.run_once()).claimed:
        sent += done.sent
    return sent


def test_a_relay_killed_mid_batch_loses_nothing_and_doubles_nothing(
    database_url: str, settings: Settings, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    written = texts(MESSAGES)
    enqueue_all(sessions, written)
    gateway = FakeSmsGateway(delay=0.01).started()
    env = {
        "KEZEK_DATABASE_URL": database_url,
        "KEZEK_SECRET_KEY": TEST_SECRET,
        "KEZEK_VAR_DIR": str(tmp_path),
        "KEZEK_NOTIFY_POLL_SECONDS": "0.1",
        # No rate to keep: a batch is sent through, so the 75th message is the middle of
        # the second batch, not a batch's end that a second's limit happened to make.
        "KEZEK_NOTIFY_SMS_PER_SECOND": "0",
        **provider_env(sms=gateway),
    }
    try:
        with tempfile.TemporaryFile() as output:
            process = subprocess.Popen(
                [sys.executable, "-m", "kezek", "notify", "run"],
                env={**os.environ, **env},
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            try:
                gateway.wait_for(KILL_AFTER, timeout=60)
            except AssertionError:
                output.seek(0)
                raise AssertionError(output.read().decode(errors="replace")) from None
            finally:
                os.killpg(process.pid, signal.SIGKILL)  # the power goes, mid-batch
                process.wait()
        time.sleep(0.2)  # the gateway finishes the request in flight, as a real one would
        at_the_kill = _statuses(sessions)
        gateway.delay = 0

        configured = pointed_at(settings, sms=gateway)
        rules = relay_rules(configured)
        now = Relay(sessions, transports(configured), rules)
        sent_now = _drain(now)
        held = _statuses(sessions)
        # Past the dead relay's lease, as after waiting for it.
        later = Relay(sessions, transports(configured), rules, clock=lambda: utcnow() + rules.lease)
        sent_later = _drain(later)
    finally:
        gateway.stop()

    killed_held = at_the_kill.get(("queued", True), 0)
    assert 0 < killed_held < 50, at_the_kill  # the kill landed in the middle of a batch
    assert held == {("sent", False): MESSAGES - killed_held, ("queued", True): killed_held}
    assert sent_now == MESSAGES - at_the_kill[("sent", False)] - killed_held
    assert sent_later == killed_held
    # Every message arrived, each once; at most the one in flight was sent a second time.
    assert sorted(gateway.keys) == sorted(outbox_key(m) for m in written)
    assert sum(gateway.accepted.values()) - MESSAGES <= 1
    assert _statuses(sessions) == {("sent", False): MESSAGES}
    with sessions() as session:
        attempts = session.scalar(select(func.max(OutboxMessage.attempts)))
    assert attempts == 1
