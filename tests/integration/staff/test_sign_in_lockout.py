"""Guessing passwords: five wrong ones lock an account from that address, twenty lock the
address for every account, and an unknown username is answered like a known one."""

from __future__ import annotations

import asyncio
import dataclasses
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from kezek.app import create_app
from kezek.bootstrap import build_context
from kezek.config import Settings
from kezek.errors import Problem
from kezek.staff.models import Role, StaffUser
from kezek.staff.service import sign_in
from tests.integration.staff.helpers import PASSWORD, make_staff
from tests.server import run_async

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


# Checks at their real cost, so that the eight guesses are under way at once.
@pytest.mark.usefixtures("real_password_cost")
def test_guesses_sent_all_at_once_get_no_more_checks_than_one_by_one(
    settings: Settings, engine: Engine, network: None, sessions: sessionmaker[Session]
) -> None:
    make_staff(sessions, "aibek", Role.clerk, ["bsk"])
    context = build_context(settings)

    async def guess() -> str:
        try:
            await sign_in(context, username="aibek", password="guess", address="198.51.100.9")
        except Problem as refused:
            return f"{refused.status}{'-at-once' if refused.extra.get('at_once') else ''}"
        return "200"

    async def eight_at_once() -> list[str]:
        return list(await asyncio.gather(*(guess() for _ in range(8))))

    answers = Counter(run_async(eight_at_once()))
    context.sessions.kw["bind"].dispose()

    assert answers == {"401": 5, "429-at-once": 3}


def test_an_offices_own_network_is_not_locked_for_every_clerk(
    settings: Settings, engine: Engine, network: None, sessions: sessionmaker[Session]
) -> None:
    make_staff(sessions, "aibek", Role.clerk, ["bsk"])
    office = settings.model_copy(update={"sign_in_office_networks": "10.5.0.0/16"})
    app = create_app(office)
    with (
        TestClient(app, client=("10.5.0.7", 50000)) as hall,
        TestClient(app, client=("203.0.113.5", 50000)) as street,
    ):
        _at(hall, NOW)
        guessed_in_the_hall = [_sign_in(hall, f"guest{n}", "guess") for n in range(21)]
        guessed_outside = [_sign_in(street, f"guest{n}", "guess") for n in range(21)]
        clerk_in_the_hall = _sign_in(hall, "aibek", PASSWORD)
        clerk_outside = _sign_in(street, "aibek", PASSWORD)
    app.state.context.sessions.kw["bind"].dispose()

    assert set(guessed_in_the_hall) == {401}  # no address lock in the office's network
    assert guessed_outside[-1] == 429
    assert clerk_in_the_hall == 200 and clerk_outside == 429


def test_an_account_made_before_the_username_rule_still_signs_in(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    make_staff(sessions, "aibek", Role.clerk, ["bsk"])
    with sessions.begin() as session:  # as an older release let it be written
        session.execute(update(StaffUser).values(username="j smith"))

    assert _sign_in(client, "J Smith", PASSWORD) == 200
