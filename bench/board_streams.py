"""Display boards at scale: a thousand Server-Sent Events streams on one office.

Starts ``kezek serve`` on PostgreSQL with several worker processes. At a fixed rate a kiosk
issues a ticket and a clerk at an open window calls it, starts and finishes it; every call
is a change the boards must show. Phones read their tickets' place and estimate meanwhile.
The same load runs in rounds, each half without a board open (the baseline) and half with
N boards following the office's stream (``/api/v1/offices/{office}/board/stream``), held by
a separate client process so that reading them does not slow the load's own client; it
runs at the idle priority, so that it takes only the CPU nobody else wants. The
halves alternate (``--rounds``), so that a drift over the run (a table that grows, the
database's own work) weighs on both alike; with the baseline first and the boards after,
the same server with two boards gave ratios of 0.90 and 1.15.

Board lag is per board: for each call and each stream, how long until that stream received
an event showing the call or a later one (p50 and p99 over every pair). A stream without
events is one that was refused or showed none of the calls; any such stream fails the run.
The other requests' p99 (issue, call-next, start, finish and the phones' reads) with the
streams open is compared with the baseline's: the target is a ratio of at most 1.2.

The server holds at most ``KEZEK_BOARD_STREAMS_MAX`` streams per process and serves at most
``KEZEK_HTTP_MAX_CONNECTIONS`` connections per process. The workers share one listening
socket, so the streams need not spread evenly: the benchmark lets each process hold all N
(``--streams-max-per-worker`` to test the server's own limit instead).

The reference, run afterwards against the same PostgreSQL server, is pgbench (TPC-B-like)
with as many clients as there are kiosks and clerks.

    python bench/board_streams.py [--streams 1000] [--changes-per-second 5] [--seconds 120]
                                  [--rounds 6] [--phones 4] [--workers 2] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import json
import multiprocessing
import os
import resource
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import aiohttp
import psutil

sys.path.insert(0, str(Path(__file__).parent))
from _support import percentile, pgbench, prepared_server_env, served
from queue_day import OFFICE, add_staff, network_file, sign_in

STREAM = f"/api/v1/offices/{OFFICE}/board/stream"
WARM_UP_SECONDS = 3.0  # a load not recorded: the workers' first requests, their pools
TAIL_SECONDS = 3.0  # after the last call, for its events to reach every board
SETTLE_SECONDS = 2.0  # after the boards closed, for the server to let their streams go
CONNECTING = 100  # streams being opened at once
READY_TIMEOUT = 180.0


# --- The load: a kiosk, clerks and phones, at a fixed rate --------------------------------


@dataclass
class Phase:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {})
    calls: list[float] = field(default_factory=list)  # server's called_at, epoch seconds
    empty_calls: int = 0  # call-next answered 204: another clerk took the ticket first
    elapsed: float = 0.0
    cpu: dict[str, float] = field(default_factory=dict)  # cores used, by process kind

    def every_latency(self) -> list[float]:
        return [seconds for values in self.latencies.values() for seconds in values]

    def add(self, other: Phase) -> None:
        """``other``'s figures with these, as one phase of both lengths."""
        for kind, values in other.latencies.items():
            self.latencies.setdefault(kind, []).extend(values)
        self.calls += other.calls
        self.empty_calls += other.empty_calls
        total = self.elapsed + other.elapsed
        self.cpu = {
            kind: round(
                (self.cpu.get(kind, 0) * self.elapsed + other.cpu.get(kind, 0) * other.elapsed)
                / total,
                2,
            )
            for kind in {*self.cpu, *other.cpu}
        }
        self.elapsed = total


@dataclass
class Staff:
    http: aiohttp.ClientSession
    kiosk: dict[str, str]
    clerks: asyncio.Queue[tuple[str, dict[str, str]]]
    phones: int
    issued: list[tuple[int, str]] = field(default_factory=list)


async def request(
    phase: Phase, kind: str, staff: Staff, method: str, path: str, headers: dict[str, str]
) -> tuple[int, Any]:
    body = {"service": "patent", "group": None} if kind == "issue" else None
    began = time.perf_counter()
    async with staff.http.request(method, path, headers=headers, json=body) as response:
        answer = await response.json() if response.status in (200, 201) else None
        if response.status not in (200, 201, 204):
            raise RuntimeError(f"{method} {path}: {response.status} {await response.text()}")
    phase.latencies.setdefault(kind, []).append(time.perf_counter() - began)
    return response.status, answer


async def change(phase: Phase, staff: Staff) -> None:
    """One ticket issued, then called at a free window, started and finished."""
    _, ticket = await request(
        phase, "issue", staff, "POST", f"/api/v1/offices/{OFFICE}/tickets", staff.kiosk
    )
    staff.issued.append((ticket["id"], ticket["secret"]))
    window, headers = await staff.clerks.get()
    try:
        path = f"/api/v1/offices/{OFFICE}/windows/{window}/call-next"
        status, called = await request(phase, "call_next", staff, "POST", path, headers)
        while status == 204:  # a clerk's call took this ticket; ours is issued, not yet seen
            phase.empty_calls += 1
            await asyncio.sleep(0.05)
            status, called = await request(phase, "call_next", staff, "POST", path, headers)
        phase.calls.append(datetime.fromisoformat(called["called_at"]).timestamp())
        for step in ("start", "finish"):
            path = f"/api/v1/tickets/{called['id']}/{step}"
            await request(phase, step, staff, "POST", path, headers)
    finally:
        staff.clerks.put_nowait((window, headers))


async def phone(phase: Phase, staff: Staff, stop: asyncio.Event, index: int) -> None:
    """A citizen checking a recent ticket's place and estimate, ten times a second."""
    while not stop.is_set():
        if staff.issued:
            ticket_id, secret = staff.issued[-1 - (index * 7) % min(len(staff.issued), 50)]
            began = time.perf_counter()
            async with staff.http.get(
                f"/api/v1/tickets/{ticket_id}", headers={"X-Ticket-Secret": secret}
            ) as response:
                assert response.status == 200, await response.text()
                await response.read()
            phase.latencies.setdefault("status", []).append(time.perf_counter() - began)
        await asyncio.sleep(0.1)


async def drive(staff: Staff, *, rate: float, seconds: float) -> Phase:
    """``rate`` changes a second for ``seconds``, each started on time whatever the others do."""
    phase = Phase()
    stop = asyncio.Event()
    phones = [asyncio.create_task(phone(phase, staff, stop, n)) for n in range(staff.phones)]
    cpu = CpuMeter()
    began = time.perf_counter()
    changes = []
    for n in range(max(1, round(rate * seconds))):
        await asyncio.sleep(max(0.0, began + n / rate - time.perf_counter()))
        changes.append(asyncio.create_task(change(phase, staff)))
    await asyncio.gather(*changes)
    phase.elapsed = time.perf_counter() - began
    phase.cpu = cpu.cores()
    stop.set()
    await asyncio.gather(*phones)
    return phase


class CpuMeter:
    """Cores used since it was made by this process and its children: the server's
    processes and the boards' client."""

    def __init__(self) -> None:
        self.began = time.perf_counter()
        self.start = self._times()

    @staticmethod
    def _times() -> Counter[str]:
        used: Counter[str] = Counter()
        me = psutil.Process()
        used["load"] = sum(me.cpu_times()[:2])
        for child in me.children():
            try:
                kind = "server" if "kezek" in " ".join(child.cmdline()) else "boards"
                for process in [child, *child.children(recursive=True)]:
                    used[kind] += sum(process.cpu_times()[:2])
            except psutil.Error:
                continue
        return used

    def cores(self) -> dict[str, float]:
        elapsed = time.perf_counter() - self.began
        now = self._times()
        return {kind: round((now[kind] - self.start[kind]) / elapsed, 2) for kind in now}


# --- The boards: N streams in a process of their own ---------------------------------------


@dataclass
class Board:
    status: int | None = None
    error: str = ""
    data_events: int = 0
    # (arrival, newest call shown), epoch seconds, kept only when the newest call changes.
    shown: list[tuple[float, float]] = field(default_factory=list)


def newest_call(line: bytes) -> float | None:
    calls = json.loads(line[6:])["last_calls"]
    return max((datetime.fromisoformat(c["at"]).timestamp() for c in calls), default=None)


async def watch(
    http: aiohttp.ClientSession,
    board: Board,
    parsed: dict[bytes, float | None],
    gate: asyncio.Semaphore,
    connected: asyncio.Event,
) -> None:
    """One display board. Every board of a process gets the same snapshot bytes after a
    change, so each distinct snapshot is parsed once for all of them."""
    opening = True
    await gate.acquire()
    try:
        async with http.get(STREAM) as response:
            board.status = response.status
            if response.status != 200:
                board.error = (await response.text())[:200]
                return
            line = await response.content.readline()  # the stream is open
            gate.release()
            opening = False
            while line:
                if line.startswith(b"data: "):
                    arrived = time.time()
                    if line not in parsed:
                        parsed[line] = newest_call(line)
                    newest = parsed[line]
                    board.data_events += 1
                    if newest is not None and (not board.shown or newest > board.shown[-1][1]):
                        board.shown.append((arrived, newest))
                    connected.set()
                line = await response.content.readline()
            board.error = "the server ended the stream"
    except (aiohttp.ClientError, TimeoutError) as exc:
        board.error = repr(exc)
    finally:
        if opening:
            gate.release()
        connected.set()


async def hold_boards(conn: Connection, base: str, streams: int) -> list[Board]:
    boards = [Board() for _ in range(streams)]
    connector = aiohttp.TCPConnector(limit=0)  # no cap: every board holds its connection
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=30)  # a stream never ends
    async with aiohttp.ClientSession(base_url=base, connector=connector, timeout=timeout) as http:
        gate = asyncio.Semaphore(CONNECTING)
        parsed: dict[bytes, float | None] = {}
        connected = [asyncio.Event() for _ in boards]
        tasks = [
            asyncio.create_task(watch(http, board, parsed, gate, ready))
            for board, ready in zip(boards, connected, strict=True)
        ]
        began = time.perf_counter()
        with suppress(TimeoutError):
            await asyncio.wait_for(
                asyncio.gather(*(ready.wait() for ready in connected)), READY_TIMEOUT
            )
        statuses = Counter(str(board.status) for board in boards)
        conn.send({"open_s": round(time.perf_counter() - began, 1), "statuses": statuses})
        await asyncio.get_running_loop().run_in_executor(None, conn.recv)  # "stop"
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return boards


def boards_main(conn: Connection, base: str, streams: int) -> None:
    """The boards' process: opens the streams, says how many opened, holds them until told
    to stop, and sends back what each board showed."""
    raise_file_limit(streams + 256)
    # The boards stand for a thousand screens elsewhere; on this machine they share the
    # server's cores, so they take only the time nobody else wants, and what the server's
    # requests feel is the server's own cost of the streams (a late board only lengthens
    # the lag measured, against the server).
    os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    conn.send(asyncio.run(hold_boards(conn, base, streams)))
    conn.close()


class BoardsProcess:
    def __init__(self, base: str, streams: int) -> None:
        context = multiprocessing.get_context("spawn")
        self.conn, theirs = context.Pipe()
        self.process = context.Process(target=boards_main, args=(theirs, base, streams))
        self.process.start()
        theirs.close()  # ours only: a dead child then reads as EOFError, not a hang

    async def receive(self, timeout: float) -> Any:
        def wait() -> Any:
            if not self.conn.poll(timeout):
                raise TimeoutError(f"the boards' process said nothing for {timeout:.0f} s")
            return self.conn.recv()

        return await asyncio.to_thread(wait)

    async def stop(self) -> list[Board]:
        self.conn.send("stop")
        boards: list[Board] = await self.receive(120)
        return boards

    def close(self) -> None:
        self.process.join(timeout=10)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join()


@contextmanager
def boards_process(base: str, streams: int) -> Iterator[BoardsProcess]:
    boards = BoardsProcess(base, streams)
    try:
        yield boards
    finally:
        boards.close()


# --- The run and its figures ---------------------------------------------------------------


@dataclass
class Round:
    calls: list[float]  # the calls made while these boards were open
    boards: list[Board]
    opening: dict[str, Any]


@dataclass
class Run:
    baseline: Phase = field(default_factory=Phase)
    loaded: Phase = field(default_factory=Phase)
    rounds: list[Round] = field(default_factory=list)

    def boards(self) -> list[Board]:
        return [board for one in self.rounds for board in one.boards]


async def staff_for(http: aiohttp.ClientSession, windows: int, phones: int) -> Staff:
    clerks: asyncio.Queue[tuple[str, dict[str, str]]] = asyncio.Queue()
    for n in range(1, windows + 1):
        headers = await sign_in(http, f"clerk{n}")
        async with http.post(
            f"/api/v1/offices/{OFFICE}/windows/{n}/open", json={}, headers=headers
        ) as response:
            assert response.status == 200, await response.text()
        clerks.put_nowait((str(n), headers))
    return Staff(http=http, kiosk=await sign_in(http, "kiosk"), clerks=clerks, phones=phones)


async def play(base: str, args: argparse.Namespace) -> Run:
    rate, part = args.changes_per_second, args.seconds / args.rounds
    connector = aiohttp.TCPConnector(limit=args.windows + args.phones + 16)
    run = Run()
    async with aiohttp.ClientSession(base_url=base, connector=connector) as http:
        staff = await staff_for(http, args.windows, args.phones)
        await drive(staff, rate=rate, seconds=WARM_UP_SECONDS)
        for n in range(1, args.rounds + 1):
            print(f"round {n}: {part:g} s at {rate:g} changes/s, no boards", file=sys.stderr)
            run.baseline.add(await drive(staff, rate=rate, seconds=part))
            with boards_process(base, args.streams) as boards:
                opening = await boards.receive(READY_TIMEOUT + 60)
                print(f"boards open: {dict(opening['statuses'])}", file=sys.stderr)
                await asyncio.sleep(1)  # the last boards' first events are read
                print(f"round {n}: {part:g} s with boards", file=sys.stderr)
                loaded = await drive(staff, rate=rate, seconds=part)
                await asyncio.sleep(TAIL_SECONDS)
                run.rounds.append(Round(loaded.calls, await boards.stop(), opening))
            run.loaded.add(loaded)
            await asyncio.sleep(SETTLE_SECONDS)
    return run


def board_lags(calls: list[float], board: Board) -> tuple[list[float], int]:
    """For each call, the wait until this board got an event showing it or a later call;
    and how many calls it never showed. ``board.shown`` rises in both arrival and call."""
    newest = [shown for _, shown in board.shown]
    lags, missed = [], 0
    for at in calls:
        i = bisect.bisect_left(newest, at)
        if i == len(newest):
            missed += 1
        else:
            lags.append(max(0.0, board.shown[i][0] - at))
    return lags, missed


def raise_file_limit(needed: int) -> None:
    """Each stream is a socket here and in the server, which inherits this limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        wanted = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
        if wanted < needed:
            print(f"open files limited to {wanted} (hard limit), {needed} wanted", file=sys.stderr)


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def summarize(run: Run, args: argparse.Namespace, pgbench_p99_ms: float) -> dict[str, Any]:
    calls = run.loaded.calls
    lags: list[float] = []
    missed = without = 0
    for one in run.rounds:
        for board in one.boards:
            theirs, never = board_lags(one.calls, board)
            lags += theirs
            missed += never
            without += board.status != 200 or (bool(one.calls) and never == len(one.calls))
    before = percentile(run.baseline.every_latency(), 99)
    after = percentile(run.loaded.every_latency(), 99)
    return {
        "streams": args.streams,
        "workers": args.workers,
        "seconds": args.seconds,
        "rounds": args.rounds,
        "phones": args.phones,
        "changes_per_s": round(len(calls) / run.loaded.elapsed, 2),
        "changes_per_s_without_streams": round(len(run.baseline.calls) / run.baseline.elapsed, 2),
        "calls": len(calls),
        "streams_open_s": max(one.opening["open_s"] for one in run.rounds),
        "stream_statuses": dict(Counter(str(board.status) for board in run.boards())),
        "board_events": sum(board.data_events for board in run.boards()),
        "board_lag_p50_ms": ms(percentile(lags, 50)),
        "board_lag_p99_ms": ms(percentile(lags, 99)),
        "board_lag_max_ms": ms(max(lags, default=0.0)),
        "board_lag_missed": missed,
        "streams_without_events": without,
        "requests_p99_ms_without_streams": ms(before),
        "requests_p99_ms_with_streams": ms(after),
        "p99_ratio": round(after / before, 3) if before else None,
        "p99_ms_by_kind": {
            kind: [ms(percentile(run.baseline.latencies.get(kind, []), 99)), ms(percentile(v, 99))]
            for kind, v in run.loaded.latencies.items()
        },
        "cpu_cores_without_streams": run.baseline.cpu,
        "cpu_cores_with_streams": run.loaded.cpu,
        "pgbench_p99_ms": round(pgbench_p99_ms, 1),
    }


def report(summary: dict[str, Any], args: argparse.Namespace, boards: list[Board]) -> None:
    print(
        f"{summary['streams']} board streams, kezek serve workers {summary['workers']}, "
        f"{summary['seconds']:g} s each way in {summary['rounds']} rounds, "
        f"{summary['phones']} phones"
    )
    print(
        f"changes/s          {summary['changes_per_s']:>10}   (asked {args.changes_per_second:g};"
        f" {summary['changes_per_s_without_streams']} in the baseline)"
    )
    print(
        f"streams opened     {summary['stream_statuses'].get('200', 0):>10}   "
        f"(statuses {summary['stream_statuses']}, in {summary['streams_open_s']} s)"
    )
    lag = f"{summary['board_lag_p50_ms']} ms / {summary['board_lag_p99_ms']} ms"
    print(
        f"board lag p50/p99  {lag}   (every call x stream; max {summary['board_lag_max_ms']} ms,"
        f" {summary['board_events']} events)"
    )
    print(f"calls never shown  {summary['board_lag_missed']:>10}   (call x stream pairs)")
    print(f"streams w/o events {summary['streams_without_events']:>10}   (must be 0)")
    before = summary["requests_p99_ms_without_streams"]
    after = summary["requests_p99_ms_with_streams"]
    print(
        f"requests p99       {before} ms -> {after} ms   "
        f"(ratio {summary['p99_ratio']}, target <= 1.2)"
    )
    for kind, (without, with_) in summary["p99_ms_by_kind"].items():
        print(f"  {kind:<16} {without:>7} ms -> {with_:>7} ms")
    print(f"pgbench p99        {summary['pgbench_p99_ms']:>7} ms   (TPC-B-like, same clients)")
    print(
        f"cpu cores          {summary['cpu_cores_without_streams']} -> "
        f"{summary['cpu_cores_with_streams']}   (of {psutil.cpu_count()})"
    )
    errors = Counter(board.error for board in boards if board.error)
    for error, count in errors.most_common(3):
        print(f"stream error x{count}: {error}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--changes-per-second", type=float, default=5.0)
    parser.add_argument(
        "--seconds", type=float, default=120.0, help="time without boards, and time with them"
    )
    parser.add_argument("--rounds", type=int, default=6, help="halves without and with boards")
    parser.add_argument("--workers", type=int, default=2, help="kezek serve worker processes")
    parser.add_argument("--windows", type=int, default=10, help="clerks, one per window")
    parser.add_argument("--phones", type=int, default=4, help="each reads ten times a second")
    parser.add_argument(
        "--streams-max-per-worker", type=int, help="KEZEK_BOARD_STREAMS_MAX; default: --streams"
    )
    parser.add_argument("--pgbench-seconds", type=int, default=10)
    parser.add_argument("--json", action="store_true", help="end with one JSON line")
    args = parser.parse_args()

    raise_file_limit(args.streams + 512)  # before the server starts: it inherits the limit
    per_worker = args.streams_max_per_worker or args.streams
    env = prepared_server_env(
        database="kezek_bench_boards",
        network=network_file(args.windows),
        pool_size=args.windows // args.workers + 8,
        extra={
            "KEZEK_BOARD_STREAMS_MAX": str(per_worker),
            "KEZEK_HTTP_MAX_CONNECTIONS": str(max(1000, per_worker + 100)),
        },
    )
    add_staff(env["KEZEK_DATABASE_URL"], args.windows)
    with served(env=env, workers=args.workers) as base:
        run = asyncio.run(play(base, args))
    reference = pgbench(clients=args.windows + 1, seconds=args.pgbench_seconds)
    summary = summarize(run, args, reference.p99_ms)
    report(summary, args, run.boards())
    if args.json:
        print(json.dumps(summary))
    if summary["streams_without_events"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
