"""Prometheus metrics at /metrics: requests, bookings, tickets, and the queue per office.

With several worker processes, each writes its counters to files in
``PROMETHEUS_MULTIPROC_DIR`` (``kezek serve`` sets it) and /metrics sums them, so any
worker answers for all. The queue length is read from the database when scraped, so it
is the same whichever worker answers (``kezek.queue.gauges``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

CONTENT_TYPE = CONTENT_TYPE_LATEST
REQUESTS = Counter("kezek_http_requests", "HTTP requests answered", ["method", "route", "status"])
LATENCY = Histogram(
    "kezek_http_request_duration_seconds",
    "Time to the first byte of the response",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
BOOKINGS = Counter("kezek_bookings_created", "Bookings confirmed", ["office"])
TICKETS = Counter("kezek_tickets_issued", "Queue tickets issued", ["office"])
# Per worker (a "pid" label): each remembers the tokens it has seen, and forgets them all
# when a user is disabled or signs out anywhere (``kezek.staff.tokens``).
TOKENS_REMEMBERED = Gauge(
    "kezek_staff_tokens_remembered",
    "Staff tokens this worker remembers",
    multiprocess_mode="all",
)


def exposition(*collectors: Collector) -> bytes:
    """Every worker's metrics and the given collectors', in Prometheus' text format."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry.register(_Forward(REGISTRY))
    for collector in collectors:
        registry.register(collector)
    return generate_latest(registry)


class _Forward(Collector):
    """This process's own metrics, when there is no directory to gather from."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry

    def collect(self) -> Iterator[Metric]:
        yield from self.registry.collect()
