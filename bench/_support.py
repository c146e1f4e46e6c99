"""Shared pieces of the benchmarks: scratch PostgreSQL databases and the kezek command."""

from __future__ import annotations

import gc
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import uvloop
from sqlalchemy.engine import make_url

from kezek.config import Settings

# The benchmarks start the server the way the tests do.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.factories import one_office_network
from tests.postgres import recreate_database
from tests.server import free_port, killable_server
from tests.server import running_server as served

__all__ = ["free_port", "killable_server", "one_office_network", "served"]

T = TypeVar("T")

ADMIN_URL = os.environ.get(
    "KEZEK_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def fresh_database(name: str) -> str:
    return recreate_database(ADMIN_URL, name)


def prepared_server_env(
    *, database: str, network: str, pool_size: int, extra: dict[str, str] | None = None
) -> dict[str, str]:
    """A fresh database, migrated and loaded with ``network``; the environment to serve it."""
    env = {
        "KEZEK_DATABASE_URL": fresh_database(database),
        "KEZEK_SECRET_KEY": "benchmark-secret-0123456789abcdef",
        "KEZEK_DB_POOL_SIZE": str(pool_size),
        "KEZEK_DB_MAX_OVERFLOW": "0",
        # Every client of a benchmark comes from one address: the per-address limits are
        # for the public, not for a load test on loopback.
        "KEZEK_LIMIT_BOOKINGS_PER_ADDRESS_HOUR": "0",
        "KEZEK_QUEUE_CLOSE_DAYS": "false",  # the benchmark's day runs at any hour
        "KEZEK_LIMIT_LOOKUPS_PER_ADDRESS_10MIN": "0",
        # As in production: the tests' servers turn the line process off (tests/server.py),
        # and open their connections as they need them.
        "KEZEK_LINE_PROCESS_FROM": str(Settings.model_fields["line_process_from"].default),
        "KEZEK_DB_POOL_WARM": "true",
        **(extra or {}),
    }
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "network.toml"
        path.write_text(network, encoding="utf-8")
        kezek("db", "upgrade", env=env)
        kezek("network", "load", str(path), env=env)
    return env


def libpq_args(url: str) -> list[str]:
    parsed = make_url(url)
    args = ["-h", parsed.host or "127.0.0.1", "-p", str(parsed.port or 5432)]
    if parsed.username:
        args += ["-U", parsed.username]
    return [*args, parsed.database or ""]


def kezek(*args: str, env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "-m", "kezek", *args],
        env={**os.environ, **env},
        check=True,
        stdout=subprocess.DEVNULL,
    )


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))
    return ordered[index]


# This machine's CPU time so far and the part of it its host gave to other machines, in
# clock ticks (``cpu_counters``).
Counters = tuple[int, int]


def cpu_counters() -> Counters | None:
    """This machine's CPU counters now, from Linux's /proc/stat; None where there is none."""
    try:
        line = Path("/proc/stat").read_text(encoding="ascii").splitlines()[0]
    except (OSError, IndexError):
        return None
    return cpu_counters_of(line)


def cpu_counters_of(line: str) -> Counters:
    """The counters in /proc/stat's first line: "cpu user nice system idle iowait irq
    softirq steal guest guest_nice". Guest time is counted in user already, so the total
    stops at steal (which older kernels do not give)."""
    ticks = [int(value) for value in line.split()[1:9]]
    return sum(ticks), ticks[7] if len(ticks) > 7 else 0


def stolen_share(before: Counters | None, after: Counters | None) -> float | None:
    """The share of the machine's CPU time between two readings that its host gave to
    other machines ("steal"). On a shared virtual machine a neighbour's load slows whatever
    runs meanwhile: a phase that had much more of it than its reference, run a minute
    apart, is not a fair comparison with it. None where it cannot be read."""
    if before is None or after is None:
        return None
    total = after[0] - before[0]
    return round((after[1] - before[1]) / total, 3) if total > 0 else 0.0


@dataclass(frozen=True)
class Pgbench:
    tps: float
    p50_ms: float
    p99_ms: float
    stolen: float | None = None  # the host's share of the CPU meanwhile (``stolen_share``)


def pgbench(*, clients: int, seconds: int) -> Pgbench:
    """TPC-B-like pgbench; its per-transaction log gives the reference's own latencies."""
    url = fresh_database("kezek_bench_pgbench")
    target = libpq_args(url)
    subprocess.run(["pgbench", "-i", "-q", "-s", "1", *target], check=True, capture_output=True)
    with tempfile.TemporaryDirectory() as logs:
        prefix = str(Path(logs) / "tx")
        command = ["pgbench", "-n", "-c", str(clients), "-j", "2", "-T", str(seconds)]
        before = cpu_counters()
        result = subprocess.run(
            [*command, "-l", "--log-prefix", prefix, *target],
            check=True,
            capture_output=True,
            text=True,
        )
        stolen = stolen_share(before, cpu_counters())
        # Each log line: client, transaction, latency in microseconds, ...
        latencies = [
            int(line.split()[2]) / 1e6
            for log in Path(logs).glob("tx*")
            for line in log.read_text().splitlines()
        ]
    match = re.search(r"tps = ([\d.]+)", result.stdout)
    if not match:
        raise RuntimeError(f"pgbench printed no tps:\n{result.stdout}\n{result.stderr}")
    return Pgbench(
        tps=float(match.group(1)),
        p50_ms=percentile(latencies, 50) * 1000,
        p99_ms=percentile(latencies, 99) * 1000,
        stolen=stolen,
    )


def run_clients(clients: Coroutine[Any, Any, T]) -> T:
    """Runs a benchmark's clients, so that they add no pause of their own to what they time.

    Their event loop is uvloop's, as pgbench's clients are C; and the garbage collector
    sleeps meanwhile: with thousands of phones in one process, its full passes stopped the
    clients for up to 0.2 s, and every request then in flight seemed that much slower.
    (What the clients leave for it in a run of minutes is a few megabytes.)
    """
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        return uvloop.run(clients)
    finally:
        gc.enable()
        gc.unfreeze()
