"""Guessing passwords: five wrong ones lock an account from that address, twenty lock the
address for every account, and an unknown username is answered like a known one."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
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


@contextmanager
def _elsewhere(client: TestClient, address: str) -> Iterator[TestClient]:
    """The same server, reached from another address."""
    with TestClient(client.app, client=(address, 50000)) as other:
        yield other


def test_five_wrong_passwords_lock_the_account_from_that_address_for_fifteen_minutes(
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
    with _elsewhere(client, "10.20.30.40") as own_desk:
        assert _sign_in(own_desk, "aibek", PASSWORD) == 200  # the owner is not locked out
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


def test_an_unknown_username_is_locked_and_answered_like_a_known_one(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    make_staff(sessions, "aibek", Role.clerk, ["bsk"])
    _at(client, NOW)

    known = [
        client.post("/api/v1/auth/token", json={"username": "aibek", "password": "guess"})
        for _ in range(6)
    ]
    unknown = [
        client.post("/api/v1/auth/token", json={"username": "aibek2", "password": "guess"})
        for _ in range(6)
    ]

    assert [r.status_code for r in known] == [r.status_code for r in unknown] == [401] * 5 + [429]
    for one, other in zip(known, unknown, strict=True):
        assert one.json() | {"instance": ""} == other.json() | {"instance": ""}
        assert one.headers.get("retry-after") == other.headers.get("retry-after")


def test_guessing_from_many_addresses_cannot_lock_the_owner_out(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    make_staff(sessions, "aibek", Role.clerk, ["bsk"])
    _at(client, NOW)

    for n in range(5):
        with _elsewhere(client, f"203.0.113.{n}") as attacker:
            assert [_sign_in(attacker, "aibek", "guess") for _ in range(6)][-1] == 429

    assert _sign_in(client, "aibek", PASSWORD) == 200
