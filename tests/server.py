"""Running ``kezek serve`` as a real multi-process server for a test."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def running_server(
    *, database_url: str, secret: str, var_dir: Path, workers: int = 2
) -> Iterator[str]:
    port = free_port()
    env = {
        **os.environ,
        "KEZEK_DATABASE_URL": database_url,
        "KEZEK_SECRET_KEY": secret,
        "KEZEK_VAR_DIR": str(var_dir),
        "KEZEK_MIN_NOTICE_MINUTES": "60",
    }
    command = [
        sys.executable,
        "-m",
        "kezek",
        "serve",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, process)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_up(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read().decode() if process.stdout else ""
            raise RuntimeError(f"kezek serve exited with {process.returncode}:\n{output}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError("kezek serve did not answer within 30 s")
