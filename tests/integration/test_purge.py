"""What can no longer matter is forgotten: idempotency keys past their time, spent rate-limit
counts, old wrong-password records and expired sign-ins; what still matters stays."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from kezek.admin.service import purge_expired
from kezek.app import create_app
from kezek.booking.models import Booking
from kezek.cli.main import app
from kezek.config import Settings, get_settings
from kezek.queue.models import QueueRequest
from kezek.ratelimit import RATE_COUNT
from kezek.staff.models import ApiToken, Role, SignInFailure
from kezek.types import utcnow
from tests.conftest import TEST_SECRET
from tests.factories import booking_body
from tests.integration.staff.helpers import bearer, make_staff

KEEP = timedelta(hours=48)


def _counts(sessions: sessionmaker[Session]) -> dict[str, int]:
    with sessions() as session:
        return {
            "queue keys": session.scalar(select(func.count()).select_from(QueueRequest)) or 0,
            "booking keys": session.scalar(
                select(func.count()).where(Booking.idempotency_key.is_not(None))
            )
            or 0,
            "rate counts": session.scalar(select(func.count()).select_from(RATE_COUNT)) or 0,
            "wrong passwords": session.scalar(select(func.count()).select_from(SignInFailure)) or 0,
            "tokens": session.scalar(select(func.count()).select_from(ApiToken)) or 0,
        }


def _a_day_of_requests(client: TestClient, sessions: sessionmaker[Session]) -> None:
    make_staff(sessions, "aibek", Role.clerk, ["bsk"])
    clerk = bearer(client, "aibek")
    client.post(
        "/api/v1/offices/bsk/tickets",
        json={"service": "quick"},
        headers={**clerk, "Idempotency-Key": "kiosk-1"},
    )
    client.post("/api/v1/bookings", json=booking_body(), headers={"Idempotency-Key": "book-1"})
    client.post("/api/v1/auth/token", json={"username": "aibek", "password": "wrong"})


def test_nothing_still_in_use_is_purged(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    _a_day_of_requests(client, sessions)
    before = _counts(sessions)

    purged = purge_expired(sessions, now=utcnow(), keep_keys=KEEP)

    assert purged.total == 0 and _counts(sessions) == before
    assert before == {
        "queue keys": 1,
        "booking keys": 1,
        "rate counts": 2,
        "wrong passwords": 1,
        "tokens": 1,
    }


def test_two_days_later_keys_counts_and_sign_ins_are_gone(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    _a_day_of_requests(client, sessions)
    later = utcnow() + KEEP + timedelta(hours=13)

    purged = purge_expired(sessions, now=later, keep_keys=KEEP)

    assert _counts(sessions) == dict.fromkeys(_counts(sessions), 0)
    assert (purged.queue_requests, purged.booking_keys, purged.rate_counts) == (1, 1, 2)
    assert (purged.sign_in_failures, purged.expired_tokens) == (1, 1)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Booking)) == 1  # kept itself


@pytest.fixture
def cli_env(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("KEZEK_DATABASE_URL", database_url)
    monkeypatch.setenv("KEZEK_SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("KEZEK_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("KEZEK_IDEMPOTENCY_KEEP_HOURS", "1")
    get_settings.cache_clear()


def test_kezek_db_purge_says_what_it_forgot(
    client: TestClient, sessions: sessionmaker[Session], cli_env: None
) -> None:
    _a_day_of_requests(client, sessions)
    with sessions.begin() as session:  # as if the booking had been made two hours ago
        session.execute(Booking.__table__.update().values(created_at=utcnow() - timedelta(hours=2)))

    result = CliRunner().invoke(app, ["db", "purge"])
    get_settings.cache_clear()

    assert result.exit_code == 0, result.output
    assert "Purged 0 queue request keys, 1 booking keys" in result.output


def test_each_server_process_purges_now_and_then(
    settings: Settings, engine: Engine, network: None, sessions: sessionmaker[Session]
) -> None:
    with sessions.begin() as session:
        session.add(SignInFailure(address_hash="a" * 64, at=utcnow() - timedelta(hours=1)))
        session.add(SignInFailure(address_hash="b" * 64, at=utcnow()))
    app = create_app(settings.model_copy(update={"purge_every_seconds": 0.2}))

    with TestClient(app):
        deadline = time.monotonic() + 10
        while _counts(sessions)["wrong passwords"] > 1 and time.monotonic() < deadline:
            time.sleep(0.1)
    app.state.context.sessions.kw["bind"].dispose()

    with sessions() as session:
        assert list(session.scalars(select(SignInFailure.address_hash))) == ["b" * 64]
