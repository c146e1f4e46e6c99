"""A migration centre's day through the HTTP API, as fast as it goes.

Starts ``kezek serve`` on PostgreSQL with several worker processes. Kiosks issue 8,000
tickets while 40 clerks, one per window, call, start and finish them, and display boards
follow the office's Server-Sent Events stream. Prints operations per second, call-next
latency, and board lag: for each call, how long until a board received an event showing it
or a later call. ``double_calls`` counts tickets called twice, in the database; it must be 0.

The reference, run afterwards in the same process against the same PostgreSQL server, is
pgbench (TPC-B-like) with as many clients as there are kiosks and clerks: the ratio of our
operations per second to its transactions per second.

With ``--phones N``, N citizens more follow their tickets on their phones as a busy office's
would. They are the crowd that queued from 4 a.m.: their N tickets are issued before the
windows open (not timed), so the line starts N long. Each reloads its ticket's status every
20 seconds (``--phone-seconds``), sending the ETag it was given, and takes up a later ticket
once its own is served. Their answers count in ``status_p99_ms``, ``status_waiting`` says
how many were for a ticket still waiting (its place and estimate worked out from the whole
line), and ``status_not_modified`` how many were 304s. They ask the API's JSON; with
``--phone-pages``, the ticket page's status block, as the page's HTMX reloads it. The
phones run in a process of their own, not in the clerks' event loop (``PhoneCrowd``).

    python bench/queue_day.py [--windows 40] [--tickets 8000] [--workers 2] [--phones 0]
                              [--phone-pages] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import json
import multiprocessing
import os
import random
import re
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from multiprocessing.synchronize import Event as ProcessEvent
from pathlib import Path
from typing import Any
from urllib.parse import quote

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

OFFICE = "centre"
PASSWORD = "benchmark password"
CORRIDOR_WINDOWS = 2


def network_file(windows: int) -> str:
    return one_office_network(
        office=OFFICE,
        kind="migration_center",
        timezone="Europe/Moscow",
        country="RU",
        services=[("patent", "P", 12), ("registration", "R", 6)],
        windows=[
            (str(n), ["patent", "registration"], "priority" if n <= CORRIDOR_WINDOWS else None)
            for n in range(1, windows + 1)
        ],
    )


def add_staff(url: str, windows: int) -> None:
    """Kiosk, clerks and a manager, straight into the database: the CLI would hash one per
    process start."""
    os.environ["KEZEK_DATABASE_URL"] = url
    from kezek.config import Settings
    from kezek.db import make_engine, make_sessionmaker, run_transaction
    from kezek.staff.models import Role
    from kezek.staff.service import add_staff as add

    sessions = make_sessionmaker(make_engine(Settings()))
    names = ["kiosk", *(f"clerk{n}" for n in range(1, windows + 1))]
    for name in names:
        run_transaction(
            sessions,
            lambda session, name=name: add(
                session,
                username=name,
                full_name=name.title(),
                role=Role.clerk,
                password=PASSWORD,
                office_codes=[OFFICE],
            ),
        )
    sessions.kw["bind"].dispose()


@dataclass
class Day:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {})
    calls: list[tuple[str, datetime]] = field(default_factory=list)  # code, server's call time
    called_ids: Counter[int] = field(default_factory=Counter)
    board_events: list[tuple[float, datetime | None]] = field(default_factory=list)
    issued: list[tuple[int, str]] = field(default_factory=list)
    ops: int = 0
    not_modified: int = 0
    waiting: int = 0  # phones' answers for a ticket still in line
    stolen: float | None = None  # the host's share of the CPU while the day ran
    # Each issued ticket goes here too, for the phones' own process (see PhoneCrowd).
    issued_elsewhere: Any = None

    def took(self, kind: str, seconds: float) -> None:
        self.latencies.setdefault(kind, []).append(seconds)
        self.ops += 1


async def sign_in(http: aiohttp.ClientSession, name: str) -> dict[str, str]:
    async with http.post(
        "/api/v1/auth/token", json={"username": name, "password": PASSWORD}
    ) as response:
        assert response.status == 200, await response.text()
        return {"Authorization": f"Bearer {(await response.json())['access_token']}"}


async def timed(
    day: Day,
    kind: str,
    http: aiohttp.ClientSession,
    path: str,
    headers: dict[str, str],
    **kw: object,
) -> tuple[int, object]:
    began = time.perf_counter()
    async with http.post(path, headers=headers, **kw) as response:  # type: ignore[arg-type]
        body = await response.json() if response.status in (200, 201) else None
        if response.status not in (200, 201, 204):
            raise RuntimeError(f"{path}: {response.status} {await response.text()}")
    day.took(kind, time.perf_counter() - began)
    return response.status, body


async def kiosk(
    day: Day, http: aiohttp.ClientSession, headers: dict[str, str], numbers: asyncio.Queue[int]
) -> None:
    rng = random.Random()
    while not numbers.empty():
        numbers.get_nowait()
        body = {
            "service": "patent" if rng.random() < 0.7 else "registration",
            "group": "priority" if rng.random() < 0.05 else None,
        }
        _, issued = await timed(
            day, "issue", http, f"/api/v1/offices/{OFFICE}/tickets", headers, json=body
        )
        assert isinstance(issued, dict)
        day.issued.append((issued["id"], issued["secret"]))
        if day.issued_elsewhere is not None:
            day.issued_elsewhere.put((issued["id"], issued["secret"]))


async def phone(day: Day, http: aiohttp.ClientSession, stop: asyncio.Event) -> None:
    """A citizen checking a ticket's place and estimate, as thousands do on their phones."""
    rng = random.Random()
    while not stop.is_set():
        if day.issued:
            ticket_id, secret = rng.choice(day.issued[-500:])
            began = time.perf_counter()
            async with http.get(
                f"/api/v1/tickets/{ticket_id}", headers={"X-Ticket-Secret": secret}
            ) as response:
                assert response.status == 200, await response.text()
                await response.read()
            day.took("status", time.perf_counter() - began)
        await asyncio.sleep(0.1)


async def held_phone(
    day: Day,
    http: aiohttp.ClientSession,
    number: int,
    phones: int,
    every: float,
    stop: asyncio.Event,
    *,
    pages: bool = False,
) -> None:
    """One of many phones: follows ticket ``number``, then every ``phones``-th after it,
    reloading its status every ``every`` seconds with the ETag it was given: the API's, or
    with ``pages`` the ticket page's status block."""
    rng = random.Random(number)
    await asyncio.sleep(rng.uniform(0, every))  # the reloads spread over the interval
    tag = ""
    while not stop.is_set():
        if number < len(day.issued):
            ticket_id, secret = day.issued[number]
            began = time.perf_counter()
            status, tag = await _reload(http, ticket_id, secret, tag, pages=pages)
            day.took("status", time.perf_counter() - began)
            day.not_modified += status is None
            day.waiting += status == "waiting"
            if status is not None and status not in ("waiting", "called", "serving"):
                number, tag = number + phones, ""  # served: a later ticket's holder
        try:
            await asyncio.wait_for(stop.wait(), timeout=every)
        except TimeoutError:
            continue


async def _reload(
    http: aiohttp.ClientSession, ticket_id: int, secret: str, tag: str, *, pages: bool
) -> tuple[str | None, str]:
    """The ticket's status (None: unchanged, a 304) and the ETag to send next time."""
    unchanged = {"If-None-Match": tag} if tag else {}
    if pages:
        address = f"/ticket/{ticket_id}?s={quote(secret)}"
        headers = {"HX-Request": "true", **unchanged}
    else:
        address, headers = f"/api/v1/tickets/{ticket_id}", {"X-Ticket-Secret": secret, **unchanged}
    async with http.get(address, headers=headers) as response:
        assert response.status in (200, 304), await response.text()
        tag = response.headers.get("ETag", tag)
        if response.status == 304:
            return None, tag
        if pages:
            found = re.search(r'data-status="(\w+)"', await response.text())
            assert found, "the status block names its ticket's status"
            return found[1], tag
        return (await response.json())["status"], tag


class PhoneCrowd:
    """The ``--phones`` crowd, in a process of its own, as phones are devices of their own.

    In the clerks' process, the phones' thousands of tasks kept its one event loop busy: a
    clerk's answer, arrived, could wait there behind the phones' before its time was taken,
    and that wait counted as the server's. pgbench, the reference, runs its clients in C.
    Apart, the clerks' call-next p50 and p99 were about 9% lower (five pairs of runs, the
    README's nineteenth round). The phones get each ticket as the kiosks issue it, start
    when the windows open, and hand their timings back when the day is over.
    """

    def __init__(self, base: str, phones: int, every: float, *, pages: bool) -> None:
        context = multiprocessing.get_context("spawn")
        self.issued = context.Queue()
        self.go, self.stop = context.Event(), context.Event()
        self.results = context.Queue()
        self.process = context.Process(
            target=_phones_process,
            args=(self.results, base, phones, every, pages, self.issued, self.go, self.stop),
            daemon=True,
        )
        self.process.start()

    async def finish(self, day: Day) -> None:
        """Stop the phones and count their reads in ``day``."""
        self.stop.set()
        timings, not_modified, waiting = await asyncio.to_thread(self.results.get, True, 60)
        await asyncio.to_thread(self.process.join, 30)
        day.latencies.setdefault("status", []).extend(timings)
        day.ops += len(timings)
        day.not_modified += not_modified
        day.waiting += waiting


def _phones_process(results: Any, *crowd: Any) -> None:
    results.put(run_clients(_phones(*crowd)))


async def _phones(
    base: str,
    phones: int,
    every: float,
    pages: bool,
    issued: Any,
    go: ProcessEvent,
    stop: ProcessEvent,
) -> tuple[list[float], int, int]:
    day = Day()

    def receive() -> None:  # on a thread: each ticket as the kiosks issue it
        while True:
            day.issued.append(issued.get())

    threading.Thread(target=receive, daemon=True).start()
    await asyncio.to_thread(go.wait)
    over = asyncio.Event()
    # Thousands of phones share a hundred connections, each held briefly.
    connector = aiohttp.TCPConnector(limit=100)
    async with aiohttp.ClientSession(base_url=base, connector=connector) as http:
        readers = [
            asyncio.create_task(held_phone(day, http, n, phones, every, over, pages=pages))
            for n in range(phones)
        ]
        await asyncio.to_thread(stop.wait)
        over.set()
        await asyncio.gather(*readers)
    return day.latencies.get("status", []), day.not_modified, day.waiting


async def clerk(
    day: Day,
    http: aiohttp.ClientSession,
    window: str,
    headers: dict[str, str],
    everyone_issued: asyncio.Event,
) -> None:
    path = f"/api/v1/offices/{OFFICE}/windows/{window}/call-next"
    while True:
        status, called = await timed(day, "call_next", http, path, headers)
        if status == 204:
            if everyone_issued.is_set():
                return
            await asyncio.sleep(0.5)  # a clerk trying again, not a busy loop
            continue
        assert isinstance(called, dict)
        day.called_ids[called["id"]] += 1
        day.calls.append((called["code"], datetime.fromisoformat(called["called_at"])))
        await timed(day, "start", http, f"/api/v1/tickets/{called['id']}/start", headers)
        await timed(day, "finish", http, f"/api/v1/tickets/{called['id']}/finish", headers)


async def board(day: Day, base: str, stop: asyncio.Event) -> None:
    """One display board: records when each event arrives and the newest call it shows."""
    async with (
        aiohttp.ClientSession(base_url=base) as http,
        http.get(f"/api/v1/offices/{OFFICE}/board/stream") as response,
    ):
        while not stop.is_set():
            try:
                line = await asyncio.wait_for(response.content.readline(), timeout=0.5)
            except TimeoutError:
                continue
            if not line.startswith(b"data: "):
                continue
            shown = json.loads(line[6:])
            newest = max(
                (datetime.fromisoformat(c["at"]) for c in shown["last_calls"]), default=None
            )
            day.board_events.append((time.time(), newest))


def board_lags(day: Day) -> list[float]:
    """For each call, the wait until a board got an event showing it or a later call."""
    events = sorted((newest.timestamp(), arrived) for arrived, newest in day.board_events if newest)
    newest_shown = [newest for newest, _ in events]
    # first_arrival[i]: the earliest arrival among events showing a call at or after events[i].
    first_arrival = [arrived for _, arrived in events]
    for i in range(len(events) - 2, -1, -1):
        first_arrival[i] = min(first_arrival[i], first_arrival[i + 1])
    lags = []
    for _, called_at in day.calls:
        at = called_at.timestamp()
        i = bisect.bisect_left(newest_shown, at)
        lags.append(max(0.0, first_arrival[i] - at) if i < len(events) else float("inf"))
    return lags


async def run_day(
    base: str,
    *,
    windows: int,
    tickets: int,
    kiosks: int,
    boards: int,
    phones: int = 0,
    phone_seconds: float = 20.0,
    phone_pages: bool = False,
) -> tuple[Day, float]:
    day = Day()
    crowd = PhoneCrowd(base, phones, phone_seconds, pages=phone_pages) if phones else None
    day.issued_elsewhere = crowd.issued if crowd else None
    connector = aiohttp.TCPConnector(limit=windows + kiosks + 8)
    async with aiohttp.ClientSession(base_url=base, connector=connector) as http:
        kiosk_headers = await sign_in(http, "kiosk")
        clerks = {str(n): await sign_in(http, f"clerk{n}") for n in range(1, windows + 1)}
        for window, headers in clerks.items():
            async with http.post(
                f"/api/v1/offices/{OFFICE}/windows/{window}/open", json={}, headers=headers
            ) as response:
                assert response.status == 200, await response.text()
        stop = asyncio.Event()
        board_tasks = [asyncio.create_task(board(day, base, stop)) for _ in range(boards)]
        await asyncio.sleep(1)  # the boards are connected
        numbers: asyncio.Queue[int] = asyncio.Queue()
        for number in range(tickets):
            numbers.put_nowait(number)
        if crowd:
            await _crowd_before_opening(
                day, http, kiosk_headers, min(phones, tickets), numbers, kiosks
            )
        everyone_issued = asyncio.Event()
        began, counters = time.perf_counter(), cpu_counters()
        if crowd:
            crowd.go.set()
        clerk_tasks = [
            asyncio.create_task(clerk(day, http, window, headers, everyone_issued))
            for window, headers in clerks.items()
        ]
        readers = [asyncio.create_task(phone(day, http, stop)) for _ in range(2)]
        await asyncio.gather(*(kiosk(day, http, kiosk_headers, numbers) for _ in range(kiosks)))
        everyone_issued.set()
        await asyncio.gather(*clerk_tasks)
        elapsed = time.perf_counter() - began
        day.stolen = stolen_share(counters, cpu_counters())
        await asyncio.sleep(2)  # the last events reach the boards
        stop.set()
        await asyncio.gather(*board_tasks, *readers)
        if crowd:
            await crowd.finish(day)
    return day, elapsed


async def _crowd_before_opening(
    day: Day,
    http: aiohttp.ClientSession,
    headers: dict[str, str],
    crowd: int,
    numbers: asyncio.Queue[int],
    kiosks: int,
) -> None:
    """The phones' holders, in line before the windows open; their issuing is not timed."""
    first: asyncio.Queue[int] = asyncio.Queue()
    for _ in range(crowd):
        first.put_nowait(numbers.get_nowait())
    await asyncio.gather(*(kiosk(day, http, headers, first) for _ in range(kiosks)))
    day.latencies.clear()
    day.ops = 0


def called_twice_in_database(url: str) -> int:
    parsed = make_url(url)
    with psycopg.connect(
        host=parsed.host, port=parsed.port, user=parsed.username, dbname=parsed.database
    ) as connection:
        row = connection.execute(
            "SELECT count(*) FROM (SELECT ticket_id FROM queue_event WHERE kind = 'called'"
            " GROUP BY ticket_id HAVING count(*) > 1) AS twice"
        ).fetchone()
    return int(row[0]) if row else 0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--windows", type=int, default=40)
    parser.add_argument("--tickets", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=2, help="kezek serve worker processes")
    parser.add_argument("--kiosks", type=int, default=8)
    parser.add_argument("--boards", type=int, default=4)
    parser.add_argument("--phones", type=int, default=0, help="phones reloading their tickets")
    parser.add_argument("--phone-seconds", type=float, default=20.0, help="between reloads")
    parser.add_argument(
        "--phone-pages", action="store_true", help="phones reload the HTML page's status block"
    )
    parser.add_argument("--pgbench-seconds", type=int, default=15)
    parser.add_argument("--json", action="store_true", help="end with one JSON line")
    args = parser.parse_args()
    if args.phones >= args.tickets:
        parser.error("--phones: the crowd is part of the day's tickets; give fewer than --tickets")

    env = prepared_server_env(
        database="kezek_bench_queue",
        network=network_file(args.windows),
        pool_size=args.windows // args.workers + 8,
    )
    url = env["KEZEK_DATABASE_URL"]
    add_staff(url, args.windows)
    with served(env=env, workers=args.workers) as base:
        day, elapsed = run_clients(
            run_day(
                base,
                windows=args.windows,
                tickets=args.tickets,
                kiosks=args.kiosks,
                boards=args.boards,
                phones=args.phones,
                phone_seconds=args.phone_seconds,
                phone_pages=args.phone_pages,
            )
        )
    lags = board_lags(day)
    reference = pgbench(clients=args.windows + args.kiosks, seconds=args.pgbench_seconds)
    double_calls = called_twice_in_database(url) + sum(1 for n in day.called_ids.values() if n > 1)
    summary = {
        "windows": args.windows,
        "tickets": args.tickets,
        "workers": args.workers,
        "served": len(day.called_ids),
        "ops": day.ops,
        "ops_per_s": round(day.ops / elapsed, 1),
        "tickets_per_s": round(len(day.called_ids) / elapsed, 1),
        "call_next_p50_ms": round(percentile(day.latencies["call_next"], 50) * 1000, 1),
        "call_next_p99_ms": round(percentile(day.latencies["call_next"], 99) * 1000, 1),
        "issue_p99_ms": round(percentile(day.latencies["issue"], 99) * 1000, 1),
        "finish_p99_ms": round(percentile(day.latencies["finish"], 99) * 1000, 1),
        "status_p99_ms": round(percentile(day.latencies["status"], 99) * 1000, 1),
        "phones": args.phones,
        "phone_pages": args.phone_pages,
        "status_reads": len(day.latencies["status"]),
        "status_waiting": day.waiting,
        "status_not_modified": day.not_modified,
        "board_events": len(day.board_events),
        "board_lag_p50_ms": round(percentile(lags, 50) * 1000, 1),
        "board_lag_p99_ms": round(percentile(lags, 99) * 1000, 1),
        "double_calls": double_calls,
        "pgbench_tps": round(reference.tps, 1),
        "pgbench_p50_ms": round(reference.p50_ms, 1),
        "pgbench_p99_ms": round(reference.p99_ms, 1),
        "ratio": round(day.ops / elapsed / reference.tps, 3),
        "steal_day": day.stolen,
        "steal_pgbench": reference.stolen,
    }
    print(f"{args.windows} windows, {args.tickets} tickets, kezek serve workers {args.workers}")
    print(f"served             {summary['served']:>10}")
    print(
        f"ops/s              {summary['ops_per_s']:>10}   ({day.ops} requests in {elapsed:.1f} s)"
    )
    print(
        f"pgbench tps        {summary['pgbench_tps']:>10}   (TPC-B-like, same clients, same server)"
    )
    print(f"ratio              {summary['ratio']:>10}   (requests/s over pgbench's tps)")
    print(f"tickets/s          {summary['tickets_per_s']:>10}")
    call = f"{summary['call_next_p50_ms']} ms / {summary['call_next_p99_ms']} ms"
    print(f"call-next p50/p99  {call}   (target p99 <= pgbench's)")
    theirs = f"{summary['pgbench_p50_ms']} ms / {summary['pgbench_p99_ms']} ms"
    print(f"pgbench p50/p99    {theirs}   (the reference's own, same clients)")
    print(f"issue p99          {summary['issue_p99_ms']:>7} ms")
    print(f"finish p99         {summary['finish_p99_ms']:>7} ms")
    print(f"ticket status p99  {summary['status_p99_ms']:>7} ms   (a citizen's place and estimate)")
    reads = f"{summary['status_reads']} reads, {day.waiting} of a ticket in line"
    reads += f", {day.not_modified} answered 304"
    print(f"phones             {args.phones:>10}   ({reads})")
    lag = f"{summary['board_lag_p50_ms']} ms / {summary['board_lag_p99_ms']} ms"
    print(f"board lag p50/p99  {lag}   (target p99 <= 1000 ms; {len(day.board_events)} events)")
    print(f"double calls       {double_calls:>10}   (must be 0)")
    print(f"steal day/pgbench  {day.stolen} / {reference.stolen}   (the host's share of the CPU)")
    if args.json:
        print(json.dumps(summary))
    if double_calls or summary["served"] != args.tickets:
        sys.exit(1)


if __name__ == "__main__":
    main()
