"""Prometheus metrics at /metrics: requests, bookings, tickets, and the queue per office.

With several worker processes, each writes its counters to files in
``PROMETHEUS_MULTIPROC_DIR`` (``kezek serve`` sets it) and /metrics sums them, so any
worker answers for all. The queue length is read from the database when scraped, so it
is the same whichever worker answers.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from starlette.responses import Response

from kezek.db import read_session
from kezek.deps import AppContext
from kezek.network.models import Office
from kezek.queue.models import Ticket, TicketStatus

REQUESTS = Counter("kezek_http_requests", "HTTP requests answered", ["method", "route", "status"])
LATENCY = Histogram(
    "kezek_http_request_duration_seconds",
    "Time to the first byte of the response",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
BOOKINGS = Counter("kezek_bookings_created", "Bookings confirmed", ["office"])
TICKETS = Counter("kezek_tickets_issued", "Queue tickets issued", ["office"])


class QueueCollector(Collector):
    """People waiting now, per office, read from the database at each scrape."""

    def __init__(self, context: AppContext) -> None:
        self.context = context

    def collect(self) -> Iterator[Metric]:
        waiting = GaugeMetricFamily(
            "kezek_queue_waiting", "Tickets waiting to be called", labels=["office"]
        )
        with read_session(self.context.sessions) as session:
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


def metrics_response(context: AppContext) -> Response:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry = CollectorRegistry()
        registry.register(_Forward(REGISTRY))
    registry.register(QueueCollector(context))
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


class _Forward(Collector):
    """This process's own metrics, when there is no directory to gather from."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry

    def collect(self) -> Iterator[Metric]:
        yield from self.registry.collect()
