"""Booking rush: N concurrent clients book one office's day until it is full, then try more.

Starts ``kezek serve`` on PostgreSQL with several worker processes, fires bookings from
asynchronous HTTP clients, checks in the database that no slot was sold twice, then runs
pgbench (TPC-B-like) with the same client count against the same server and prints the
ratio of bookings/s to pgbench's transactions/s.

    python bench/booking_rush.py [--clients 64] [--workers 3] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import psycopg
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).parent))
from _support import (
    cpu_counters,
    one_office_network,
    percentile,
    pgbench,
    prepared_server_env,
    run_clients,
    served,
    stolen_share,
)

ZONE = ZoneInfo("Europe/Moscow")


def network_file(windows: int) -> str:
    return one_office_network(
        office="rush",
        kind="embassy",
        timezone="Europe/Moscow",
        country="RU",
        services=[("passport", "A", 10)],
        windows=[(str(n), ["passport"], None) for n in range(1, windows + 1)],
    )


@dataclass(frozen=True)
class Rush:
    capacity: dict[str, int]
    places: int
    attempts: int
    statuses: dict[int, int]
    oversold_responses: int
    bookings_per_s: float
    p50_ms: float
    p99_ms: float


async def rush(base: str, *, clients: int, day: str, extra: float, first_number: int = 0) -> Rush:
    async with aiohttp.ClientSession(
        base_url=base, connector=aiohttp.TCPConnector(limit=clients)
    ) as http:
        async with http.get(
            "/api/v1/offices/rush/availability",
            params={"service": "passport", "from": day, "to": day},
        ) as response:
            slots = (await response.json())["slots"]
        capacity = {slot["start"]: slot["capacity"] for slot in slots}
        attempts = [start for start, places in capacity.items() for _ in range(places)]
        attempts += random.choices(list(capacity), k=int(len(attempts) * extra))
        random.shuffle(attempts)
        queue: asyncio.Queue[tuple[int, str]] = asyncio.Queue()
        for item in enumerate(attempts, start=first_number):
            queue.put_nowait(item)
        latencies: list[float] = []
        statuses: Counter[int] = Counter()
        sold: Counter[str] = Counter()
        last_success = 0.0

        async def client() -> None:
            nonlocal last_success
            while not queue.empty():
                number, start = queue.get_nowait()
                body = {
                    "office": "rush",
                    "service": "passport",
                    "start": start,
                    "document_number": f"AC{number:07d}",
                    "full_name": "Асанов Айбек",
                    "phone": f"+7916{number:07d}",
                    "language": "ky",
                }
                began = time.perf_counter()
                async with http.post(
                    "/api/v1/bookings", json=body, headers={"Idempotency-Key": f"rush-{number}"}
                ) as response:
                    await response.read()
                    ended = time.perf_counter()
                latencies.append(ended - began)
                statuses[response.status] += 1
                if response.status == 201:
                    sold[start] += 1
                    last_success = ended

        began = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(clients)))
    booked = statuses[201]
    return Rush(
        capacity=capacity,
        places=sum(capacity.values()),
        attempts=len(attempts),
        statuses=dict(statuses),
        oversold_responses=sum(max(0, sold[s] - capacity[s]) for s in sold),
        # Until the day is full: the attempts after it are refusals, not bookings.
        bookings_per_s=booked / (last_success - began) if booked else 0.0,
        p50_ms=percentile(latencies, 50) * 1000,
        p99_ms=percentile(latencies, 99) * 1000,
    )


def oversold_in_database(url: str, capacity: dict[str, int]) -> int:
    """Confirmed bookings beyond what the availability list offered, per start time."""
    offered = {datetime.fromisoformat(start): places for start, places in capacity.items()}
    parsed = make_url(url)
    with psycopg.connect(
        host=parsed.host, port=parsed.port, user=parsed.username, dbname=parsed.database
    ) as connection:
        rows = connection.execute(
            "SELECT starts_at, count(*) FROM booking WHERE status = 'confirmed' GROUP BY starts_at"
        ).fetchall()
    return sum(max(0, taken - offered.get(start, 0)) for start, taken in rows)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--workers", type=int, default=3, help="kezek serve worker processes")
    parser.add_argument("--windows", type=int, default=100, help="places = windows x 72")
    parser.add_argument(
        "--extra", type=float, default=0.1, help="share of attempts after the day is full"
    )
    parser.add_argument("--pgbench-seconds", type=int, default=15)
    parser.add_argument("--json", action="store_true", help="end with one JSON line")
    args = parser.parse_args()

    env = prepared_server_env(
        database="kezek_bench",
        network=network_file(args.windows),
        pool_size=max(4, args.clients // args.workers + 2),
        extra={"KEZEK_MIN_NOTICE_MINUTES": "0"},
    )
    url = env["KEZEK_DATABASE_URL"]
    tomorrow = datetime.now(ZONE).date() + timedelta(days=1)
    with served(env=env, workers=args.workers) as base:
        # Fill another day first, so that connections, prepared statements and caches are
        # warm: the figures are those of a server in the middle of a rush.
        warmup = tomorrow + timedelta(days=1)
        warm = run_clients(rush(base, clients=args.clients, day=warmup.isoformat(), extra=0))
        counters = cpu_counters()
        result = run_clients(
            rush(
                base,
                clients=args.clients,
                day=tomorrow.isoformat(),
                extra=args.extra,
                first_number=10**6,
            )
        )
        stolen = stolen_share(counters, cpu_counters())
    offered = {**warm.capacity, **result.capacity}
    oversold = oversold_in_database(url, offered) + result.oversold_responses
    reference = pgbench(clients=args.clients, seconds=args.pgbench_seconds)
    summary = {
        "clients": args.clients,
        "workers": args.workers,
        "places": result.places,
        "attempts": result.attempts,
        "statuses": result.statuses,
        "bookings_per_s": round(result.bookings_per_s, 1),
        "p50_ms": round(result.p50_ms, 1),
        "p99_ms": round(result.p99_ms, 1),
        "oversold": oversold,
        "pgbench_tps": round(reference.tps, 1),
        "pgbench_p50_ms": round(reference.p50_ms, 1),
        "pgbench_p99_ms": round(reference.p99_ms, 1),
        "ratio": round(result.bookings_per_s / reference.tps, 3),
        "steal_rush": stolen,
        "steal_pgbench": reference.stolen,
    }
    print(f"clients {args.clients}, kezek serve workers {args.workers}, places {result.places}")
    print(f"responses          {result.statuses}")
    print(f"bookings/s         {summary['bookings_per_s']:>10}")
    print(
        f"pgbench tps        {summary['pgbench_tps']:>10}   (TPC-B-like, same clients, same server)"
    )
    print(f"ratio              {summary['ratio']:>10}   (target >= 0.5)")
    latency = f"{summary['p50_ms']} ms / {summary['p99_ms']} ms"
    print(f"latency p50 / p99  {latency}   (target p99 <= 1.5 x pgbench's)")
    theirs = f"{summary['pgbench_p50_ms']} ms / {summary['pgbench_p99_ms']} ms"
    print(f"pgbench p50 / p99  {theirs}   (the reference's own, same load)")
    print(f"oversold           {oversold:>10}   (must be 0)")
    print(f"steal rush/pgbench {stolen} / {reference.stolen}   (the host's share of the CPU)")
    if args.json:
        print(json.dumps(summary))
    if oversold:
        sys.exit(1)


if __name__ == "__main__":
    main()
