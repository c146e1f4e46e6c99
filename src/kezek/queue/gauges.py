"""Gauges read from the database at each scrape, so any worker answers the same."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from kezek.db import read_session
from kezek.network.models import Office
from kezek.queue.models import Ticket, TicketStatus


class QueueCollector(Collector):
    """People waiting now, per office, read from the database at each scrape."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def collect(self) -> Iterator[Metric]:
        waiting = GaugeMetricFamily(
            "kezek_queue_waiting", "Tickets waiting to be called", labels=["office"]
        )
        with read_session(self.sessions) as session:
            rows = session.execute(
                select(Office.code, func.count(Ticket.id))
                .outerjoin(
                    Ticket,
                    (Ticket.office_id == Office.id) & (Ticket.status == TicketStatus.waiting),
                )
                .where(Office.active.is_(True))
                .group_by(Office.code)
            ).all()
        for code, count in rows:
            waiting.add_metric([code], count)
        yield waiting
