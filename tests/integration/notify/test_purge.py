"""Purging forgets sent, dead and withdrawn messages past KEZEK_NOTIFY_KEEP_DAYS; a queued
message stays, however old, since it is still to be sent."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from kezek.admin.service import purge_expired
from kezek.notify.models import MessageStatus, OutboxMessage
from kezek.types import utcnow
from tests.integration.notify.helpers import enqueue_all, message, outbox

KEEP = timedelta(days=30)


def _written(
    sessions: sessionmaker[Session], key: str, status: MessageStatus, age: timedelta
) -> None:
    enqueue_all(sessions, [message(key, to=f"+99670{len(key):07d}{key}")], now=utcnow() - age)
    with sessions.begin() as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.key.startswith(f"{key}:"))
            .values(status=status.value)
        )


def test_old_sent_and_dead_messages_go_and_queued_ones_stay(
    sessions: sessionmaker[Session],
) -> None:
    old, recent = KEEP + timedelta(days=1), KEEP - timedelta(days=1)
    _written(sessions, "oldsent", MessageStatus.sent, old)
    _written(sessions, "olddead", MessageStatus.dead, old)
    _written(sessions, "oldwithdrawn", MessageStatus.withdrawn, old)
    _written(sessions, "oldqueued", MessageStatus.queued, old)
    _written(sessions, "newsent", MessageStatus.sent, recent)
    _written(sessions, "newdead", MessageStatus.dead, recent)

    purged = purge_expired(
        sessions, now=utcnow(), keep_keys=timedelta(hours=48), keep_messages=KEEP
    )

    assert purged.messages == 3
    assert sorted(outbox(sessions)) == ["newdead", "newsent", "oldqueued"]
