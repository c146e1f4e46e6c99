"""Guessing passwords: an account locks after five wrong ones, an address after twenty."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from kezek.staff.models import Role
from tests.integration.staff.helpers import PASSWORD, make_staff

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _at(client: TestClient, moment: datetime) -> None:
    state = client.app.state  # type: ignore[attr-defined]
    state.context = dataclasses.replace(state.context, clock=lambda: moment)


def _sign_in(client: TestClient, username: str, password: str) -> int:
    return client.post(
        "/api/v1/auth/token", json={"username": username, "password": password}
    ).status_code


def test_five_wrong_passwords_lock_the_account_for_fifteen_minutes(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    make_staff(sessions, "aibek", Role.clerk, ["bsk"])
    _at(client, NOW)

    wrong = [_sign_in(client, "aibek", "wrong password") for _ in range(5)]
    locked = client.post("/api/v1/auth/token", json={"username": "aibek", "password": PASSWORD})

    assert wrong == [401] * 5
    assert locked.status_code == 429
    assert locked.headers["content-type"] == "application/problem+json"
    assert int(locked.headers["retry-after"]) == 15 * 60
    _at(client, NOW + timedelta(minutes=15, seconds=1))
    assert _sign_in(client, "aibek", PASSWORD) == 200


def test_a_right_password_clears_the_count(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    make_staff(sessions, "aibek", Role.clerk, ["bsk"])
    _at(client, NOW)

    for _ in range(4):
        assert _sign_in(client, "aibek", "wrong password") == 401
    assert _sign_in(client, "aibek", PASSWORD) == 200
    for _ in range(4):
        assert _sign_in(client, "aibek", "wrong password") == 401

    assert _sign_in(client, "aibek", PASSWORD) == 200


def test_twenty_wrong_passwords_from_one_address_refuse_it_for_every_account(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    make_staff(sessions, "aibek", Role.clerk, ["bsk"])
    _at(client, NOW)

    guesses = [_sign_in(client, f"user{n}", "guess") for n in range(20)]

    assert set(guesses) == {401}
    assert _sign_in(client, "aibek", PASSWORD) == 429  # even the right password, from there
