"""The outbox on /metrics, read from the database at each scrape: any worker answers the
same, and the relays need no port of their own."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from kezek.db import read_session
from kezek.notify.models import MessageStatus, OutboxMessage
from kezek.types import utcnow


class OutboxCollector(Collector):
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def collect(self) -> Iterator[Metric]:
        messages = GaugeMetricFamily(
            "kezek_notify_messages",
            "Messages in the outbox by channel and status (queued, sent, dead, withdrawn)",
            labels=["channel", "status"],
        )
        failing = GaugeMetricFamily(
            "kezek_notify_failed_attempts",
            "Failed tries of messages still queued or dead, by channel",
            labels=["channel"],
        )
        oldest = GaugeMetricFamily(
            "kezek_notify_oldest_due_seconds",
            "How long the oldest due message has waited to be sent",
        )
        now = utcnow()
        with read_session(self.sessions) as session:
            by_status = session.execute(
                select(OutboxMessage.channel, OutboxMessage.status, func.count()).group_by(
                    OutboxMessage.channel, OutboxMessage.status
                )
            ).all()
            failed = session.execute(
                select(OutboxMessage.channel, func.sum(OutboxMessage.attempts))
                .where(OutboxMessage.last_error.is_not(None))
                .group_by(OutboxMessage.channel)
            ).all()
            first_due: datetime | None = session.execute(
                select(func.min(OutboxMessage.due_at)).where(
                    OutboxMessage.status == MessageStatus.queued.value,
                    OutboxMessage.due_at <= now,
                )
            ).scalar()
        for channel, status, count in by_status:
            messages.add_metric([channel, status], count)
        for channel, attempts in failed:
            failing.add_metric([channel], int(attempts or 0))
        oldest.add_metric([], (now - first_due).total_seconds() if first_due else 0.0)
        yield messages
        yield failing
        yield oldest
