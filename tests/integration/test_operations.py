"""What an operator runs: readiness, and backing up and restoring the embedded database."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from kezek.app import create_app
from kezek.cli.main import app as cli
from kezek.config import Settings, get_settings
from tests.factories import booking_body, document, start_at

runner = CliRunner()


def test_ready_when_the_database_answers(client: TestClient) -> None:
    assert client.get("/readyz").json() == {"status": "ready", "database": "ok"}
    assert client.get("/healthz").json() == {"status": "ok"}


def test_not_ready_fast_when_the_database_does_not_answer(tmp_path: Path) -> None:
    settings = Settings(
        database_url="postgresql+psycopg://postgres@127.0.0.1:9/none", var_dir=tmp_path
    )
    with TestClient(create_app(settings)) as client:
        began = time.monotonic()
        response = client.get("/readyz")
        took = time.monotonic() - began

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["database"] == "unreachable"
    assert took < 6


@pytest.fixture
def database_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("KEZEK_DATABASE_URL", settings.sqlalchemy_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_requests_fail_fast_with_503_while_the_database_is_away(tmp_path: Path) -> None:
    settings = Settings(
        database_url="postgresql+psycopg://postgres@127.0.0.1:9/none",
        var_dir=tmp_path,
        secret_key="a secret for this test only",
    )
    with TestClient(create_app(settings)) as client:
        began = time.monotonic()
        answers = [
            client.post("/api/v1/bookings", json=booking_body()),
            client.get("/api/v1/offices"),
            client.get(
                "/api/v1/offices/bsk/availability?service=quick&from=2030-01-01&to=2030-01-01"
            ),
        ]
        took = time.monotonic() - began

    for answer in answers:
        assert answer.status_code == 503
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.headers["retry-after"] == "30"
    assert took < 20  # three requests, each within the connect timeout


def test_a_restored_backup_holds_every_booking(
    client: TestClient, settings: Settings, tmp_path: Path, database_env: None
) -> None:
    references = [
        client.post(
            "/api/v1/bookings",
            json=booking_body(document_number=document(n), start=start_at(hour=9 + n)),
        ).json()["reference"]
        for n in range(1, 6)
    ]
    copy = tmp_path / "backups" / "kezek.db"

    backed_up = runner.invoke(cli, ["db", "backup", str(copy)])

    if not settings.sqlalchemy_url.startswith("sqlite"):
        assert backed_up.exit_code == 1 and "pg_dump" in backed_up.output
        return
    assert backed_up.exit_code == 0, backed_up.output
    for n in range(1, 6):  # gone: the office lost its disk
        client.post(
            f"/api/v1/bookings/{references[n - 1]}/cancel",
            headers={"X-Document-Number": document(n)},
        )
    restored = runner.invoke(cli, ["db", "restore", str(copy)])
    assert restored.exit_code == 0, restored.output
    for n, reference in enumerate(references, start=1):
        found = client.get(
            f"/api/v1/bookings/{reference}", headers={"X-Document-Number": document(n)}
        )
        assert found.status_code == 200 and found.json()["status"] == "confirmed"
    again = runner.invoke(cli, ["db", "backup", str(copy)])
    assert again.exit_code == 1 and "exists already" in again.output
