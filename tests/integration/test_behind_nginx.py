"""Kezek behind a real nginx with the shipped configuration (deploy/nginx): the client's own
address reaches the rate limiter and a forged one does not, the edge's request limits hold,
and a call reaches a board through nginx within a second.

Clients connect from several loopback addresses of this machine (127.0.0.2, 127.0.0.3), so
that nginx sees different clients. Needs Debian's nginx: skipped locally without it
(apt-get install nginx); .ci/run installs it, and in CI it must run.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from kezek.staff.models import Role
from tests.integration.staff.helpers import PASSWORD, make_staff
from tests.server import free_port, run_async, thread_server

NGINX = Path("/usr/sbin/nginx")
DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "nginx"
LOOKUP = "/api/v1/bookings/AAAA2222"
HOLDER = {"X-Document-Number": "AC0000001"}


@pytest.fixture(scope="module")
def nginx() -> Path:
    if not NGINX.exists():
        message = f"nginx not found at {NGINX}; apt-get install nginx to run these"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return NGINX


def _http_context(upstream_port: int) -> str:
    """The shipped kezek.conf's upstream and limit zone, pointed at the test's server."""
    shipped = (DEPLOY / "kezek.conf").read_text()
    before_servers = shipped[: shipped.index("\nserver {")]
    return before_servers.replace("server 127.0.0.1:8000;", f"server 127.0.0.1:{upstream_port};")


def _wrapper(tmp: Path, http_context: str, servers: str) -> Path:
    for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp / name).mkdir(exist_ok=True)
    config = tmp / "nginx.conf"
    config.write_text(
        f"""
daemon off;
master_process off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    {http_context}
    {servers}
}}
"""
    )
    return config


@contextmanager
def _nginx_in_front(nginx: Path, tmp: Path, upstream_port: int) -> Iterator[str]:
    port = free_port()
    servers = f"server {{ listen 127.0.0.1:{port}; include {DEPLOY}/kezek-locations.conf; }}"
    config = _wrapper(tmp, _http_context(upstream_port), servers)
    process = subprocess.Popen([str(nginx), "-c", str(config), "-p", str(tmp)])
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{base}/healthz", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def _from(address: str) -> httpx.Client:
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=10)


@pytest.fixture
def kezek(server_env: dict[str, str], tmp_path: Path) -> Iterator[int]:
    env = {
        **server_env,
        "KEZEK_VAR_DIR": str(tmp_path / "var"),
        "KEZEK_TRUSTED_PROXIES": "127.0.0.1",
        "KEZEK_LIMIT_LOOKUPS_PER_ADDRESS_10MIN": "5",
        "KEZEK_LIMIT_LOOKUPS_PER_DOCUMENT_HOUR": "0",
    }
    with thread_server(env=env) as base:
        yield int(base.rsplit(":", 1)[1])


def test_each_client_has_its_own_budget_and_a_forged_address_changes_nothing(
    nginx: Path, kezek: int, tmp_path: Path
) -> None:
    with (
        _nginx_in_front(nginx, tmp_path, kezek) as base,
        _from("127.0.0.2") as one,
        _from("127.0.0.3") as other,
    ):
        spent = [one.get(base + LOOKUP, headers=HOLDER).status_code for _ in range(6)]
        forged = [
            one.get(
                base + LOOKUP, headers={**HOLDER, "X-Forwarded-For": f"198.51.100.{n}"}
            ).status_code
            for n in range(20)
        ]
        others = other.get(base + LOOKUP, headers=HOLDER)
        request_id = others.headers["x-request-id"]

    assert spent == [404] * 5 + [429]
    assert set(forged) == {429}
    assert others.status_code == 404
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)  # nginx's own id, carried through


def test_the_edges_request_limits_hold(nginx: Path, kezek: int, tmp_path: Path) -> None:
    with _nginx_in_front(nginx, tmp_path, kezek) as base, httpx.Client(timeout=10) as http:
        big_booking = http.post(
            f"{base}/api/v1/bookings",
            content=b"{" + b" " * 100_000 + b"}",
            headers={"Content-Type": "application/json"},
        )
        network_file = http.post(
            f"{base}/admin/network",
            files={"file": ("network.toml", b"#" * 1_000_000, "application/toml")},
            follow_redirects=False,
        )
        huge_header = http.get(f"{base}/healthz", headers={"X-Padding": "a" * 20_000})
        fine = http.get(f"{base}/healthz")

    assert big_booking.status_code == 413
    assert network_file.status_code != 413  # up to 2 MB reaches Kezek (here: sign in first)
    assert huge_header.status_code in (400, 431, 494)
    assert fine.status_code == 200


def test_a_call_reaches_a_board_through_nginx_within_a_second(
    nginx: Path, kezek: int, tmp_path: Path, sessions: sessionmaker[Session]
) -> None:
    make_staff(sessions, "door", Role.kiosk, ["bsk"])

    async def watch_and_issue(base: str) -> float:
        async with httpx.AsyncClient(base_url=base, timeout=10) as http:
            token = (
                await http.post(
                    "/api/v1/auth/token", json={"username": "door", "password": PASSWORD}
                )
            ).json()["access_token"]
            async with http.stream("GET", "/api/v1/offices/bsk/board/stream") as events:
                lines = events.aiter_lines()
                while not (await anext(lines)).startswith("data: "):
                    pass  # the board as it is
                issued_at = time.perf_counter()
                await http.post(
                    "/api/v1/offices/bsk/tickets",
                    json={"service": "quick"},
                    headers={"Authorization": f"Bearer {token}"},
                )
                while not (await anext(lines)).startswith("data: "):
                    pass
                return time.perf_counter() - issued_at

    with _nginx_in_front(nginx, tmp_path, kezek) as base:
        took = run_async(asyncio.wait_for(watch_and_issue(base), timeout=20))

    assert took < 1.0, f"the board saw the new ticket after {took:.2f} s"


def test_the_shipped_configuration_is_valid_nginx(nginx: Path, tmp_path: Path) -> None:
    """The whole kezek.conf, TLS included, with a certificate made for the test."""
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=kezek.example.org",
            "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem"),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    shipped = (DEPLOY / "kezek.conf").read_text()
    pointed = (
        shipped.replace(
            "/etc/letsencrypt/live/kezek.example.org/fullchain.pem", f"{tmp_path}/cert.pem"
        )
        .replace("/etc/letsencrypt/live/kezek.example.org/privkey.pem", f"{tmp_path}/key.pem")
        .replace("include kezek-locations.conf;", f"include {DEPLOY}/kezek-locations.conf;")
    )
    config = _wrapper(tmp_path, pointed, "")

    checked = subprocess.run(
        [str(nginx), "-t", "-c", str(config), "-p", str(tmp_path)], capture_output=True, text=True
    )

    assert checked.returncode == 0, checked.stderr


def test_the_metrics_are_not_served_through_the_public_site(
    nginx: Path, kezek: int, tmp_path: Path
) -> None:
    with _nginx_in_front(nginx, tmp_path, kezek) as base:
        through_nginx = httpx.get(f"{base}/metrics")
    direct = httpx.get(f"http://127.0.0.1:{kezek}/metrics")

    assert through_nginx.status_code == 404
    assert direct.status_code == 200  # the monitoring reads it inside, from 127.0.0.1
