"""A steady mixed load for a set time: nothing may fail, and the workers must not grow.

Starts ``kezek serve`` on PostgreSQL with several worker processes and, for ``--minutes``,
keeps a bounded crowd busy through the HTTP API at once:

- citizens who look up free times, book, look their booking up, move it, and mostly
  cancel it again (so the office never fills up);
- a kiosk issuing walk-in tickets while fewer than 40 wait;
- clerks calling, starting and finishing them at their windows;
- phones reading a ticket's place and estimate;
- display boards on the Server-Sent Events stream, each reconnecting every 30 seconds.

An error is any answer outside what the request may rightly get (a time taken meanwhile
is a 409, not an error), a transport error, or a timeout. Latency covers every request but
the streams. Memory is the resident size of the worker processes after the first tenth of
the run (the warm-up) and at the end.

The reference, run afterwards in the same process against the same PostgreSQL server, is
pgbench (TPC-B-like) with as many clients as the crowd: its p99 beside ours.

    python bench/soak.py [--minutes 10] [--workers 2] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import psutil

sys.path.insert(0, str(Path(__file__).parent))
from _support import (
    free_port,
    killable_server,
    percentile,
    pgbench,
    prepared_server_env,
)
from queue_day import add_staff, network_file, sign_in

OFFICE = "centre"
SERVICES = ("patent", "registration")
WINDOWS = 4
CITIZENS = 8
PHONES = 2
BOARDS = 4
MOST_WAITING = 40
THINK = 0.05  # seconds between one person's requests
MB = 1024 * 1024


@dataclass
class Soak:
    """Everything the crowd saw, shared by its tasks."""

    stop: asyncio.Event
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    answers: Counter[tuple[str, int]] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    tickets: list[tuple[int, str]] = field(default_factory=list)
    waiting: int = 0
    board_events: int = 0
    next_person: int = 0

    async def ask(
        self,
        http: aiohttp.ClientSession,
        kind: str,
        method: str,
        path: str,
        *,
        expected: tuple[int, ...],
        **kwargs: Any,
    ) -> tuple[int, Any]:
        """One timed request; an answer outside ``expected`` counts as an error."""
        began = time.perf_counter()
        try:
            async with http.request(method, path, **kwargs) as response:
                body = await response.json() if response.status in (200, 201) else None
                status = response.status
                if status not in expected:
                    detail = await response.text()
                    self.errors[f"{kind} {status}: {detail[:120]}"] += 1
        except (aiohttp.ClientError, TimeoutError) as exc:
            self.errors[f"{kind} {type(exc).__name__}"] += 1
            return 0, None
        self.latencies[kind].append(time.perf_counter() - began)
        self.answers[kind, status] += 1
        return status, body


async def free_start(
    soak: Soak, http: aiohttp.ClientSession, rng: random.Random, service: str
) -> str | None:
    """A free time for ``service`` on a random day of the next four weeks."""
    day = (date.today() + timedelta(days=rng.randint(2, 29))).isoformat()
    params = {"service": service, "from": day, "to": day}
    status, body = await soak.ask(
        http,
        "availability",
        "GET",
        f"/api/v1/offices/{OFFICE}/availability",
        params=params,
        expected=(200,),
    )
    if status != 200:
        return None
    free = [slot["start"] for slot in body["slots"] if slot["available"] > 0]
    return rng.choice(free) if free else None


async def citizen(soak: Soak, http: aiohttp.ClientSession, seed: int) -> None:
    """Book, look up, maybe move, mostly cancel; again and again."""
    rng = random.Random(seed)
    while not soak.stop.is_set():
        service = rng.choice(SERVICES)
        start = await free_start(soak, http, rng, service)
        if start is None:
            continue
        soak.next_person += 1
        person = soak.next_person
        document = f"SK{seed:02d}{person:08d}"
        body = {
            "office": OFFICE,
            "service": service,
            "start": start,
            "document_number": document,
            "full_name": "Асанов Айбек",
            "phone": f"+7916{person % 10_000_000:07d}",
            "language": rng.choice(("ky", "ru", "en")),
        }
        status, booked = await soak.ask(
            http,
            "book",
            "POST",
            "/api/v1/bookings",
            json=body,
            headers={"Idempotency-Key": uuid.uuid4().hex},
            expected=(201, 409),  # 409: the time was taken meanwhile
        )
        await asyncio.sleep(THINK)
        if status != 201:
            continue
        holder = {"X-Document-Number": document}
        path = f"/api/v1/bookings/{booked['reference']}"
        await soak.ask(http, "lookup", "GET", path, headers=holder, expected=(200,))
        await asyncio.sleep(THINK)
        if rng.random() < 0.5 and (later := await free_start(soak, http, rng, service)):
            await soak.ask(
                http,
                "reschedule",
                "POST",
                f"{path}/reschedule",
                json={"start": later},
                headers=holder,
                expected=(200, 409),
            )
            await asyncio.sleep(THINK)
        if rng.random() < 0.8:
            await soak.ask(
                http, "cancel", "POST", f"{path}/cancel", headers=holder, expected=(200,)
            )
            await asyncio.sleep(THINK)


async def kiosk(soak: Soak, http: aiohttp.ClientSession, headers: dict[str, str]) -> None:
    rng = random.Random(1)
    while not soak.stop.is_set():
        if soak.waiting >= MOST_WAITING:
            await asyncio.sleep(0.2)
            continue
        status, issued = await soak.ask(
            http,
            "issue",
            "POST",
            f"/api/v1/offices/{OFFICE}/tickets",
            json={"service": rng.choice(SERVICES)},
            headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
            expected=(201,),
        )
        if status == 201:
            soak.waiting += 1
            soak.tickets.append((issued["id"], issued["secret"]))
            del soak.tickets[:-500]
        await asyncio.sleep(0.1)


async def clerk(
    soak: Soak, http: aiohttp.ClientSession, window: str, headers: dict[str, str]
) -> None:
    path = f"/api/v1/offices/{OFFICE}/windows/{window}"
    await soak.ask(http, "open", "POST", f"{path}/open", json={}, headers=headers, expected=(200,))
    while not soak.stop.is_set():
        status, called = await soak.ask(
            http, "call_next", "POST", f"{path}/call-next", headers=headers, expected=(200, 204)
        )
        if status != 200:
            await asyncio.sleep(0.5)  # nobody waiting: look again shortly
            continue
        soak.waiting -= 1
        for action in ("start", "finish"):
            await asyncio.sleep(THINK)
            await soak.ask(
                http,
                action,
                "POST",
                f"/api/v1/tickets/{called['id']}/{action}",
                headers=headers,
                expected=(200,),
            )


async def phone(soak: Soak, http: aiohttp.ClientSession, seed: int) -> None:
    rng = random.Random(seed)
    while not soak.stop.is_set():
        if soak.tickets:
            ticket, secret = rng.choice(soak.tickets)
            await soak.ask(
                http,
                "status",
                "GET",
                f"/api/v1/tickets/{ticket}",
                headers={"X-Ticket-Secret": secret},
                expected=(200,),
            )
        await asyncio.sleep(0.2)


async def board(soak: Soak, base: str) -> None:
    """A display board that reconnects every 30 seconds, as a flaky network makes it."""
    while not soak.stop.is_set():
        try:
            async with (
                aiohttp.ClientSession(base_url=base) as http,
                http.get(f"/api/v1/offices/{OFFICE}/board/stream") as response,
            ):
                if response.status != 200:
                    soak.errors[f"board {response.status}"] += 1
                    await asyncio.sleep(1)
                    continue
                until = time.monotonic() + 30
                while time.monotonic() < until and not soak.stop.is_set():
                    try:
                        line = await asyncio.wait_for(response.content.readline(), timeout=0.5)
                    except TimeoutError:
                        continue
                    if line.startswith(b"data: "):
                        soak.board_events += 1
        except aiohttp.ClientError as exc:
            soak.errors[f"board {type(exc).__name__}"] += 1
            await asyncio.sleep(1)


def worker_rss(server: psutil.Process) -> dict[int, int]:
    """Resident bytes of each worker process under the server."""
    return {
        child.pid: child.memory_info().rss
        for child in server.children(recursive=True)
        # multiprocessing's resource tracker is no worker
        if not any("resource_tracker" in part for part in child.cmdline())
    }


async def run(base: str, server: psutil.Process, *, seconds: float) -> tuple[Soak, dict[str, Any]]:
    soak = Soak(stop=asyncio.Event())
    connector = aiohttp.TCPConnector(limit=64)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(base_url=base, connector=connector, timeout=timeout) as http:
        kiosk_headers = await sign_in(http, "kiosk")
        clerks = {str(n): await sign_in(http, f"clerk{n}") for n in range(1, WINDOWS + 1)}
        tasks = [
            *(asyncio.create_task(citizen(soak, http, seed)) for seed in range(CITIZENS)),
            asyncio.create_task(kiosk(soak, http, kiosk_headers)),
            *(asyncio.create_task(clerk(soak, http, w, h)) for w, h in clerks.items()),
            *(asyncio.create_task(phone(soak, http, seed)) for seed in range(PHONES)),
            *(asyncio.create_task(board(soak, base)) for _ in range(BOARDS)),
        ]
        began = time.monotonic()
        await asyncio.sleep(seconds / 10)
        warm = worker_rss(server)
        samples = [(round(time.monotonic() - began), sum(warm.values()))]
        while (elapsed := time.monotonic() - began) < seconds:
            await asyncio.sleep(min(60.0, seconds - elapsed))
            samples.append((round(time.monotonic() - began), sum(worker_rss(server).values())))
        soak.stop.set()
        await asyncio.gather(*tasks)
        end = worker_rss(server)
    memory = {
        "measured_workers": len(end),
        "rss_warm_mb": round(sum(warm.values()) / MB, 1),
        "rss_end_mb": round(sum(end.values()) / MB, 1),
        "rss_growth_mb": round((sum(end.values()) - sum(warm.values())) / MB, 1),
        "rss_samples_mb": [(at, round(rss / MB, 1)) for at, rss in samples],
        "elapsed_s": round(time.monotonic() - began, 1),
    }
    return soak, memory


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--workers", type=int, default=2, help="kezek serve worker processes")
    parser.add_argument("--pgbench-seconds", type=int, default=15)
    parser.add_argument("--json", action="store_true", help="end with one JSON line")
    args = parser.parse_args()

    env = prepared_server_env(database="kezek_bench_soak", network=network_file(12), pool_size=16)
    add_staff(env["KEZEK_DATABASE_URL"], WINDOWS)
    port = free_port()
    with killable_server(env=env, port=port, workers=args.workers) as process:
        soak, memory = asyncio.run(
            run(f"http://127.0.0.1:{port}", psutil.Process(process.pid), seconds=args.minutes * 60)
        )
    clients = CITIZENS + 1 + WINDOWS + PHONES
    reference = pgbench(clients=clients, seconds=args.pgbench_seconds)
    every = [seconds for values in soak.latencies.values() for seconds in values]
    requests = sum(soak.answers.values()) + soak.errors.total()
    summary = {
        "minutes": args.minutes,
        "workers": args.workers,
        "requests": requests,
        "errors": soak.errors.total(),
        "requests_per_s": round(requests / memory["elapsed_s"], 1),
        "p50_ms": round(percentile(every, 50) * 1000, 1),
        "p95_ms": round(percentile(every, 95) * 1000, 1),
        "p99_ms": round(percentile(every, 99) * 1000, 1),
        "p99_ms_by_kind": {
            kind: round(percentile(values, 99) * 1000, 1)
            for kind, values in sorted(soak.latencies.items())
        },
        "answers": {f"{kind} {status}": n for (kind, status), n in sorted(soak.answers.items())},
        "board_events": soak.board_events,
        **memory,
        "pgbench_tps": round(reference.tps, 1),
        "pgbench_p99_ms": round(reference.p99_ms, 1),
    }
    summary["p99_ratio"] = round(summary["p99_ms"] / max(reference.p99_ms, 0.001), 2)
    print(f"soak: {args.minutes} min, kezek serve workers {args.workers}, {clients} clients")
    print(f"requests           {requests:>10}   ({summary['requests_per_s']} /s)")
    print(f"errors             {summary['errors']:>10}   (must be 0)")
    for error, count in soak.errors.most_common(10):
        print(f"  {count:>6} × {error}")
    print(f"latency p50/95/99  {summary['p50_ms']} / {summary['p95_ms']} / {summary['p99_ms']} ms")
    print(
        f"pgbench p99        {summary['pgbench_p99_ms']:>7} ms   "
        f"(TPC-B-like, {clients} clients; ours is {summary['p99_ratio']}× it)"
    )
    for kind, p99 in summary["p99_ms_by_kind"].items():
        print(f"  {kind:<14} p99 {p99:>7} ms   ({len(soak.latencies[kind])} requests)")
    print(
        f"worker RSS         {summary['rss_warm_mb']} MB after warm-up → "
        f"{summary['rss_end_mb']} MB at the end ({summary['rss_growth_mb']:+} MB)"
    )
    print(f"  samples (s, MB)  {summary['rss_samples_mb']}")
    print(f"board events       {soak.board_events:>10}")
    if args.json:
        print(json.dumps(summary))


if __name__ == "__main__":
    main()
