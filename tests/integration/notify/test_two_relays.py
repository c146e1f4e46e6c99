"""Two relays running at once share the outbox: every message is sent once, by one of them."""

from __future__ import annotations

import threading
from collections import Counter

from sqlalchemy.orm import Session, sessionmaker

from kezek.config import Settings
from kezek.notify.models import MessageStatus
from kezek.notify.relay import Pass
from tests.fakes import FakeSmsGateway
from tests.integration.notify.helpers import enqueue_all, outbox, outbox_key, relay_for, texts

MESSAGES = 200


def test_two_relays_at_once_send_every_message_exactly_once(
    notify_settings: Settings, sessions: sessionmaker[Session]
) -> None:
    written = texts(MESSAGES)
    enqueue_all(sessions, written)
    gateway = FakeSmsGateway(delay=0.002).started()  # slow enough for the claims to interleave
    configured = notify_settings.model_copy(update={"sms_url": gateway.url})
    passes: dict[str, list[Pass]] = {"one": [], "two": []}
    start = threading.Barrier(2)

    def run(name: str) -> None:
        relay = relay_for(sessions, configured, batch=7)
        start.wait()
        while (done := relay.run_once()).claimed:
            passes[name].append(done)

    threads = [threading.Thread(target=run, args=(name,)) for name in passes]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        gateway.stop()

    assert gateway.accepted == Counter({outbox_key(m): 1 for m in written})  # each key once
    assert sorted(gateway.keys) == sorted(outbox_key(m) for m in written)
    rows = outbox(sessions).values()
    assert {(row.status, row.attempts) for row in rows} == {(MessageStatus.sent.value, 1)}
    sent_by = {name: sum(p.sent for p in done) for name, done in passes.items()}
    assert sum(sent_by.values()) == MESSAGES
    assert all(sent_by.values()), sent_by  # both took a share
