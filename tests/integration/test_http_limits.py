"""The server itself holds against clients that send too much or too slowly, or too many at
once: a huge head is refused (431), slow heads and bodies are cut off (408), and past the
connection limit requests get 503. Driven with raw sockets against the app as ``kezek serve``
serves it, and against ``kezek serve`` itself where its memory is measured."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.server import free_port, killable_server, thread_server


def _limits(server_env: dict[str, str], **more: str) -> dict[str, str]:
    return {
        **server_env,
        "KEZEK_HTTP_HEADER_TIMEOUT_SECONDS": "2",
        "KEZEK_HTTP_BODY_TIMEOUT_SECONDS": "2",
        **more,
    }


@contextmanager
def _server_process(server_env: dict[str, str]) -> Iterator[tuple[int, int]]:
    """``kezek serve``, one process with short limits, for a test of its memory: its port
    and pid."""
    port = free_port()
    with killable_server(env=_limits(server_env), port=port, workers=1) as process:
        yield port, process.pid


@contextmanager
def _server(server_env: dict[str, str], **more: str) -> Iterator[int]:
    """The app as ``kezek serve`` serves it, with short limits, on a thread: its port."""
    with thread_server(env=_limits(server_env, **more)) as base:
        yield int(base.rsplit(":", 1)[1])


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def _answer(sock: socket.socket, wait: float) -> tuple[bytes, float]:
    """What the server sends until it closes the connection, and when it closed."""
    sock.settimeout(wait)
    began = time.monotonic()
    received = b""
    try:
        while chunk := sock.recv(65536):
            received += chunk
    except (TimeoutError, ConnectionResetError):
        pass
    return received, time.monotonic() - began


def test_a_huge_header_is_refused_without_the_memory_it_asks_for(
    server_env: dict[str, str],
) -> None:
    with _server_process(server_env) as (port, pid):
        before = _rss_mb(pid)
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: ")
            sent = 0
            try:
                while sent < 64 * 1024 * 1024:
                    sock.sendall(b"a" * 65536)
                    sent += 65536
            except (BrokenPipeError, ConnectionResetError):
                pass
            answer, _ = _answer(sock, 5)
        with socket.create_connection(("127.0.0.1", port)) as sock:
            # A head of 200 KB, whole, in one write: the server may read it in one go.
            head = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: " + b"a" * 200_000 + b"\r\n\r\n"
            sock.sendall(head)
            whole, _ = _answer(sock, 5)
        grown = _rss_mb(pid) - before
        after = httpx.get(f"http://127.0.0.1:{port}/healthz")

    assert answer.startswith(b"HTTP/1.1 431 ")
    assert whole.startswith(b"HTTP/1.1 431 ")
    # Cut off long before 64 MB. What was "sent" counts what the kernels' socket buffers took
    # in on both ends, and loopback's autotuned buffers hold several MB, more under load.
    assert sent < 32 * 1024 * 1024
    assert grown < 20, f"the server grew by {grown:.0f} MB"
    assert after.status_code == 200


def test_slow_heads_and_slow_bodies_are_cut_off(
    server_env: dict[str, str],
) -> None:
    def silent(sock: socket.socket) -> None:
        pass

    def slow_head(sock: socket.socket) -> None:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        for _ in range(3):  # a byte now and then, never the end of the head
            time.sleep(0.5)
            sock.sendall(b"X")

    def slow_body(sock: socket.socket) -> None:
        sock.sendall(
            b"POST /api/v1/bookings HTTP/1.1\r\nHost: x\r\n"
            b'Content-Type: application/json\r\nContent-Length: 500\r\n\r\n{"office":'
        )

    def client(sends: Callable[[socket.socket], None], port: int) -> tuple[bytes, float]:
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sends(sock)
            return _answer(sock, 10)

    # The three clients at once: each is cut off on its own clock.
    with _server(server_env) as port, ThreadPoolExecutor(3) as clients:
        cut = [clients.submit(client, sends, port) for sends in (silent, slow_head, slow_body)]
        (silent_answer, silent_after), (head_answer, head_after), (body_answer, body_after) = [
            answer.result() for answer in cut
        ]
        fine = httpx.get(f"http://127.0.0.1:{port}/healthz")

    assert silent_answer.startswith(b"HTTP/1.1 408 ") and silent_after < 5
    assert head_answer.startswith(b"HTTP/1.1 408 ") and head_after < 5
    assert body_answer.startswith(b"HTTP/1.1 408 ") and body_after < 5
    assert fine.status_code == 200


def test_past_the_connection_limit_requests_are_refused_until_one_closes(
    server_env: dict[str, str],
) -> None:
    with _server(server_env, KEZEK_HTTP_MAX_CONNECTIONS="4") as port:
        base = f"http://127.0.0.1:{port}"
        # Boards hold their connections open: three of them, then a fourth connection.
        boards = [
            httpx.Client(base_url=base, timeout=10).stream(
                "GET", "/api/v1/offices/bsk/board/stream"
            )
            for _ in range(3)
        ]
        opened = [board.__enter__() for board in boards]
        refused = httpx.get(f"{base}/healthz")
        boards[0].__exit__(None, None, None)
        time.sleep(0.5)
        served = httpx.get(f"{base}/healthz")
        for board in boards[1:]:
            board.__exit__(None, None, None)

    assert [answer.status_code for answer in opened] == [200, 200, 200]
    assert refused.status_code == 503
    assert served.status_code == 200
