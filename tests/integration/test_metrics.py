"""Prometheus metrics: requests by route, bookings and tickets, and the queue per office."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from kezek.app import create_app
from kezek.config import Settings
from kezek.staff.models import Role
from tests.factories import booking_body
from tests.integration.staff.helpers import PASSWORD, make_staff
from tests.server import running_server, thread_server


def _value(text: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{key}="{value}"' for key, value in labels.items())
    found = re.search(rf"^{name}\{{{re.escape(wanted)}\}} (\S+)$", text, re.M)
    return float(found.group(1)) if found else 0.0


MONITOR = {"Authorization": "Bearer a token for the monitoring"}


@pytest.fixture
def client(settings: Settings, engine: Engine, network: None) -> Iterator[TestClient]:
    """The app, with a token that reads the metrics (the test client has no address)."""
    app = create_app(
        settings.model_copy(update={"metrics_token": SecretStr("a token for the monitoring")})
    )
    with TestClient(app) as test_client:
        yield test_client
    app.state.context.sessions.kw["bind"].dispose()


def test_metrics_count_requests_bookings_tickets_and_the_queue(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    before = client.get("/metrics", headers=MONITOR).text
    make_staff(sessions, "kiosk", Role.clerk, ["bsk"])
    token = client.post(
        "/api/v1/auth/token", json={"username": "kiosk", "password": PASSWORD}
    ).json()["access_token"]
    client.post("/api/v1/bookings", json=booking_body())
    for _ in range(3):
        client.post(
            "/api/v1/offices/bsk/tickets",
            json={"service": "quick"},
            headers={"Authorization": f"Bearer {token}"},
        )

    after = client.get("/metrics", headers=MONITOR)

    assert after.headers["content-type"].startswith("text/plain")
    text = after.text
    assert _value(text, "kezek_queue_waiting", office="bsk") == 3
    assert _value(text, "kezek_bookings_created_total", office="bsk") == (
        _value(before, "kezek_bookings_created_total", office="bsk") + 1
    )
    assert _value(text, "kezek_tickets_issued_total", office="bsk") == (
        _value(before, "kezek_tickets_issued_total", office="bsk") + 3
    )
    route = "/offices/{office}/tickets"  # the pattern as the API's router knows it
    assert (
        _value(text, "kezek_http_requests_total", method="POST", route=route, status="201")
        == _value(before, "kezek_http_requests_total", method="POST", route=route, status="201") + 3
    )
    assert "kezek_http_request_duration_seconds_bucket" in text
    assert "/api/v1/bookings/" not in re.sub(r'route="[^"]*\{', "", text)  # no raw ids


def test_any_worker_answers_for_all_of_them(server_env: dict[str, str]) -> None:
    def healthz_count(text: str) -> float:
        return _value(
            text, "kezek_http_requests_total", method="GET", route="/healthz", status="200"
        )

    with running_server(env=server_env, workers=2) as base, httpx.Client(base_url=base) as http:
        before = healthz_count(http.get("/metrics").text)  # the start-up checks count too
        for _ in range(20):
            http.get("/healthz", headers={"Connection": "close"})  # spread over both workers
        after = [
            healthz_count(http.get("/metrics", headers={"Connection": "close"}).text)
            for _ in range(4)
        ]

    assert set(after) == {before + 20}


def test_metrics_are_for_the_monitoring_only(client: TestClient) -> None:
    nobody = client.get("/metrics")
    wrong = client.get("/metrics", headers={"Authorization": "Bearer guessed"})
    monitor = client.get("/metrics", headers=MONITOR)

    assert nobody.status_code == wrong.status_code == 403
    assert nobody.headers["content-type"] == "application/problem+json"
    assert "kezek_" not in nobody.text + wrong.text
    assert monitor.status_code == 200 and "kezek_http_requests_total" in monitor.text


def test_the_allowed_addresses_read_metrics_and_others_not(server_env: dict[str, str]) -> None:
    env = {**server_env, "KEZEK_METRICS_ALLOW": "127.0.0.2"}
    with thread_server(env=env) as base:
        port = int(base.rsplit(":", 1)[1])
        # The same server, reached from two loopback addresses of this machine.
        with httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.2")) as other:
            allowed = other.get(f"http://127.0.0.1:{port}/metrics")
        refused = httpx.get(f"http://127.0.0.1:{port}/metrics")
        forged = httpx.get(
            f"http://127.0.0.1:{port}/metrics", headers={"X-Forwarded-For": "127.0.0.2"}
        )

    assert allowed.status_code == 200 and "kezek_http_requests_total" in allowed.text
    assert refused.status_code == forged.status_code == 403
