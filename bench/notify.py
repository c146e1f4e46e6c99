"""Notifications: 50,000 reminders through two relays, and the booking rush with and
without its messages.

Part one writes N due reminders into the outbox of a fresh PostgreSQL database, starts two
``kezek notify run`` processes against a local SMS gateway (an HTTP server in this process
that records every request), and waits until the outbox is empty: every message must reach
the gateway (lost 0) and none twice (duplicates 0: the relays never send a message again
unless one of them died).

Part two runs the booking rush of ``booking_rush.py`` twice on the same machine, once with
the SMS and e-mail channels off and once with them on (each booking then writes its
confirmation to the outbox in the booking's own statement, and when its first reminder is
due; the relays write the reminders when they come near), and prints the ratio of
bookings/s: the target is at least 0.9.

    python bench/notify.py [--messages 50000] [--relays 2] [--clients 64] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).parent))
from _support import free_port, prepared_server_env, served
from booking_rush import network_file, rush

ZONE = ZoneInfo("Europe/Moscow")


class Gateway:
    """An SMS gateway on loopback that counts what it is sent, by idempotency key."""

    def __init__(self) -> None:
        self.keys: Counter[str] = Counter()
        self.lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                self.rfile.read(length)
                with gateway.lock:
                    gateway.keys[self.headers.get("Idempotency-Key", "")] += 1
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args: object) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/sms"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


def connect(url: str) -> psycopg.Connection:
    parsed = make_url(url)
    return psycopg.connect(
        host=parsed.host, port=parsed.port, user=parsed.username, dbname=parsed.database
    )


def write_reminders(url: str, count: int) -> None:
    """Due reminders, as bookings' day-before reminders look in the outbox."""
    now = datetime.now(UTC)
    text = "Эскертүү: эртең 10:30, Москва. Номер K7M2-QX4P. https://kezek.example/b/K7M2QX4P"
    with (
        connect(url) as connection,
        connection.cursor() as cursor,
        cursor.copy(
            "COPY notify_outbox (key, subject, kind, channel, address, language, subject_line,"
            " body, status, attempts, due_at, created_at) FROM STDIN"
        ) as copy,
    ):
        for n in range(count):
            copy.write_row(
                (
                    f"bench:{n}",
                    f"booking:B{n:07d}",
                    "reminder_day_before",
                    "sms",
                    f"+7916{n:07d}",
                    "ky",
                    "",
                    text,
                    "queued",
                    0,
                    now - timedelta(seconds=1),
                    now,
                )
            )


def waiting(url: str) -> int:
    with connect(url) as connection:
        row = connection.execute(
            "SELECT count(*) FROM notify_outbox WHERE status = 'queued'"
        ).fetchone()
    return int(row[0]) if row else 0


def reminders_through_relays(messages: int, relays: int) -> dict[str, float | int]:
    gateway = Gateway()
    env = prepared_server_env(
        database="kezek_bench_notify",
        network=network_file(1),
        pool_size=4,
        extra={
            "KEZEK_SMS_URL": gateway.url,
            "KEZEK_NOTIFY_SMS_PER_SECOND": "0",  # the gateway on loopback has no limit
            "KEZEK_NOTIFY_BATCH": "200",
            "KEZEK_NOTIFY_POLL_SECONDS": "0.2",
        },
    )
    url = env["KEZEK_DATABASE_URL"]
    write_reminders(url, messages)
    began = time.perf_counter()
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "kezek", "notify", "run"],
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(relays)
    ]
    try:
        deadline = time.monotonic() + 900
        while waiting(url) and time.monotonic() < deadline:
            time.sleep(0.2)
        elapsed = time.perf_counter() - began
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
        gateway.close()
    keys = gateway.keys
    sent_keys = {f"bench:{n}" for n in range(messages)}
    return {
        "messages": messages,
        "relays": relays,
        "sent": sum(1 for key in keys if key in sent_keys),
        "lost": len(sent_keys - set(keys)),
        "duplicates": sum(count - 1 for count in keys.values() if count > 1),
        "seconds": round(elapsed, 1),
        "messages_per_s": round(messages / elapsed, 1),
    }


def booking_rush(*, clients: int, workers: int, notify: bool, round_: int) -> float:
    """Bookings/s of a rush on a fresh database, with the SMS and e-mail channels on or off."""
    gateway = Gateway() if notify else None
    extra = {"KEZEK_MIN_NOTICE_MINUTES": "0"}
    if gateway is not None:
        # Messages are written; whether a relay runs does not touch the booking's path.
        extra |= {"KEZEK_SMS_URL": gateway.url, "KEZEK_SMTP_HOST": "127.0.0.1"}
    env = prepared_server_env(
        database=f"kezek_bench_rush_{'on' if notify else 'off'}_{round_}",
        network=network_file(100),
        pool_size=max(4, clients // workers + 2),
        extra=extra,
    )
    tomorrow = datetime.now(ZONE).date() + timedelta(days=1)
    with served(env=env, workers=workers) as base:
        warm = (tomorrow + timedelta(days=1)).isoformat()
        asyncio.run(rush(base, clients=clients, day=warm, extra=0))
        result = asyncio.run(
            rush(base, clients=clients, day=tomorrow.isoformat(), extra=0.1, first_number=10**6)
        )
    if gateway is not None:
        gateway.close()
    return result.bookings_per_s


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=50_000)
    parser.add_argument("--relays", type=int, default=2)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--workers", type=int, default=3, help="kezek serve worker processes")
    parser.add_argument("--rounds", type=int, default=2, help="rush rounds, off and on in turn")
    parser.add_argument("--json", action="store_true", help="end with one JSON line")
    args = parser.parse_args()

    relayed = reminders_through_relays(args.messages, args.relays)
    print(f"reminders          {relayed['messages']:>10}   through {args.relays} relays")
    print(f"sent               {relayed['sent']:>10}")
    print(f"lost               {relayed['lost']:>10}   (must be 0)")
    print(f"duplicates         {relayed['duplicates']:>10}   (must be 0)")
    print(f"messages/s         {relayed['messages_per_s']:>10}   ({relayed['seconds']} s)")

    off: list[float] = []
    on: list[float] = []
    for round_ in range(args.rounds):  # in turn, so that a slow minute hits both alike
        off.append(
            booking_rush(clients=args.clients, workers=args.workers, notify=False, round_=round_)
        )
        on.append(
            booking_rush(clients=args.clients, workers=args.workers, notify=True, round_=round_)
        )
    best_off, best_on = max(off), max(on)
    ratio = best_on / best_off if best_off else 0.0
    print(f"bookings/s, off    {best_off:>10.1f}   (best of {args.rounds}: {off})")
    print(f"bookings/s, on     {best_on:>10.1f}   (best of {args.rounds}: {on})")
    print(f"booking ratio      {ratio:>10.3f}   (messages on / off; target >= 0.9)")
    if args.json:
        summary = {
            **relayed,
            "bookings_per_s_off": round(best_off, 1),
            "bookings_per_s_on": round(best_on, 1),
            "booking_ratio": round(ratio, 3),
        }
        print(json.dumps(summary))


if __name__ == "__main__":
    main()
