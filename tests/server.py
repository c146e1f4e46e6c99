"""Running ``kezek serve`` as a real multi-process server for a test."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import IO, Any, TypeVar
from unittest import mock

import httpx
import uvicorn

from kezek.app import create_app
from kezek.cli.serve import server_options
from kezek.config import Settings, get_settings

T = TypeVar("T")
# How long ``kezek serve`` may take to answer: each of its workers imports the app, and on a
# slow machine busy with other tests' servers that took over 30 s.
STARTUP_SECONDS = 60

# A test plays its day on whatever the wall clock says; the line must not close under it.
# Its lines are short: the process beside each worker for lines of a thousand
# (KEZEK_LINE_PROCESS_FROM) would only start and stop, at 3 s of CPU a time on a slow
# machine; its own tests start it. The benchmarks set it as in production.
# Each test's server opens connections as it needs them: warmed pools of many short-lived
# servers in parallel would crowd PostgreSQL's connection limit (tests/integration/test_pool_warm.py
# warms one).
TEST_DEFAULTS = {
    "KEZEK_QUEUE_CLOSE_DAYS": "false",
    "KEZEK_LINE_PROCESS_FROM": "0",
    "KEZEK_DB_POOL_WARM": "false",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def environment_for(settings: Settings) -> dict[str, str]:
    """The ``KEZEK_*`` variables that give ``kezek serve`` the test's database, secret, var
    directory and booking path."""
    assert settings.secret_key is not None
    return {
        "KEZEK_DATABASE_URL": settings.database_url,
        "KEZEK_SECRET_KEY": settings.secret_key.get_secret_value(),
        "KEZEK_VAR_DIR": str(settings.var_dir),
        "KEZEK_BOOKING_ONE_STATEMENT": str(settings.booking_one_statement).lower(),
    }


@contextmanager
def running_server(
    *, env: dict[str, str], workers: int = 2, port: int | None = None
) -> Iterator[str]:
    """``kezek serve`` with ``env`` added to this process's environment; yields its base URL.

    Give ``port`` to start a server again where a stopped one was, as after an outage.
    """
    with server_process(env=env, workers=workers, port=port) as (base, _):
        yield base


@contextmanager
def server_process(
    *, env: dict[str, str], workers: int = 2, port: int | None = None
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """As ``running_server``, with the server's process too, for a test that stops it."""
    port = port or free_port()
    command = [sys.executable, "-m", "kezek", "serve", "--port", str(port)]
    # A file rather than a pipe: a pipe nobody reads would block a chatty server.
    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen(
            [*command, "--workers", str(workers)],
            env={**os.environ, **TEST_DEFAULTS, **env},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_until_up(base, process, output)
            yield base, process
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextmanager
def thread_server(*, env: dict[str, str], port: int | None = None) -> Iterator[str]:
    """The app served by uvicorn with ``kezek serve``'s options, on a thread of this process,
    with ``env`` as its environment; yields its base URL. Give ``port`` to start a server
    again where a stopped one was.

    What the browser tests run: a ``kezek serve`` of its own imports the app anew, 4 s of CPU
    a test on a slow machine, where this process has it imported already. The tests of
    several processes, or of a process that dies, start ``kezek serve`` itself. Stopping ends
    the board streams after a second, as a stopping worker's do at once.
    """
    port = port or free_port()
    # The app reads its settings, and the protocol its limits, from the environment, once a
    # process: the cache is emptied for this server and again after it.
    # Logs stay Python's own: JSON logging would take over the tests' process.
    with mock.patch.dict(os.environ, {**TEST_DEFAULTS, "KEZEK_JSON_LOGS": "false", **env}):
        get_settings.cache_clear()
        app = create_app()
        options = {**server_options(app.state.context.settings), "timeout_graceful_shutdown": 1}
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, **options))
        thread = threading.Thread(target=server.run, name=f"kezek serve :{port}", daemon=True)
        thread.start()
        try:
            deadline = time.monotonic() + 30
            while not server.started:
                if not thread.is_alive() or time.monotonic() > deadline:
                    raise RuntimeError(f"the server on port {port} did not start")
                time.sleep(0.02)
            yield f"http://127.0.0.1:{port}"
        finally:
            server.should_exit = True
            thread.join(timeout=15)
            get_settings.cache_clear()


def _wait_until_up(base: str, process: subprocess.Popen[bytes], output: IO[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output.seek(0)
            printed = output.read().decode(errors="replace")
            raise RuntimeError(f"kezek serve exited with {process.returncode}:\n{printed}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"kezek serve did not answer within {STARTUP_SECONDS} s")


@contextmanager
def killable_server(
    *, env: dict[str, str], port: int, workers: int = 2
) -> Iterator[subprocess.Popen[bytes]]:
    """``kezek serve`` in a process group of its own, to kill whole with
    ``os.killpg(process.pid, signal.SIGKILL)`` or to watch its workers; stopped gently at the
    end if still running."""
    process = subprocess.Popen(
        [sys.executable, "-m", "kezek", "serve", "--port", str(port), "--workers", str(workers)],
        env={**os.environ, **TEST_DEFAULTS, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.2)
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=15)


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` in a thread of its own: the browser tests' Playwright keeps an event
    loop running in the main thread for the whole session, where ``asyncio.run`` refuses."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
