"""How fast a fresh `kezek serve` answers, and a worker's memory before its first request.

A worker that needs seconds to import what it never uses misses uvicorn's health check on a
busy machine and is killed and started again. This starts `kezek serve --workers N` on a
throw-away SQLite database, times the first answer of /healthz, then reads each worker's
resident memory before any other request, and repeats. `--json` ends with one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psutil

KEZEK = Path(sys.executable).with_name("kezek")


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def one_start(workers: int) -> tuple[float, list[float]]:
    """Seconds until /healthz answers, and each worker's RSS in MB at that moment."""
    port = free_port()
    with tempfile.TemporaryDirectory() as var:
        env = {**os.environ, "KEZEK_VAR_DIR": var, "KEZEK_JSON_LOGS": "false"}
        subprocess.run([str(KEZEK), "db", "upgrade"], env=env, check=True, capture_output=True)
        started = time.perf_counter()
        server = subprocess.Popen(
            [str(KEZEK), "serve", "--port", str(port), "--workers", str(workers)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            elapsed = _first_answer(port, started)
            rss = _worker_rss(server.pid, workers)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    return elapsed, rss


def _first_answer(port: int, started: float) -> float:
    deadline = started + 120
    while time.perf_counter() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return time.perf_counter() - started
        except OSError:
            time.sleep(0.02)
    raise RuntimeError("the server did not answer within 120 s")


def _worker_rss(pid: int, workers: int) -> list[float]:
    """The RSS of the processes that serve: the workers, or the single process itself."""
    parent = psutil.Process(pid)
    if workers == 1:
        return [parent.memory_info().rss / 2**20]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        # uvicorn's supervisor also starts multiprocessing's resource tracker: not a worker.
        children = [
            child
            for child in parent.children()
            if "resource_tracker" not in " ".join(child.cmdline())
        ]
        if len(children) >= workers:
            time.sleep(2)  # let every worker finish importing before it is measured
            return [child.memory_info().rss / 2**20 for child in children]
        time.sleep(0.1)
    raise RuntimeError("the workers did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    single = [one_start(1) for _ in range(args.runs)]
    multi = [one_start(args.workers) for _ in range(args.runs)]
    result = {
        "healthz_s_one_process": round(statistics.median(s for s, _ in single), 2),
        "rss_mb_one_process": round(statistics.median(r[0] for _, r in single), 1),
        "healthz_s_workers": round(statistics.median(s for s, _ in multi), 2),
        "rss_mb_per_worker": round(statistics.median(x for _, r in multi for x in r), 1),
        "workers": args.workers,
        "runs": args.runs,
    }
    print(f"kezek serve, median of {args.runs} starts on SQLite")
    print(
        f"  one process:  /healthz after {result['healthz_s_one_process']} s, "
        f"{result['rss_mb_one_process']} MB resident"
    )
    print(
        f"  {args.workers} workers:    /healthz after {result['healthz_s_workers']} s, "
        f"{result['rss_mb_per_worker']} MB resident per worker before its first request"
    )
    if args.json:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
