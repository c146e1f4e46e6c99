"""The tests marked ``BOTH_BOOKING_PATHS`` take the path their name says.

On PostgreSQL a one-pool service is booked in one SQL statement unless
KEZEK_BOOKING_ONE_STATEMENT is false; SQLite always takes the general transaction. Each way
the race and phone-cap tests reach the booking code (the app, ``book`` with the race tests'
rules, ``kezek serve``) is checked here to carry the test's choice.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from kezek.booking import create
from kezek.booking.create import book
from kezek.config import Settings
from kezek.network.directory import Directory
from tests.conftest import BOTH_BOOKING_PATHS
from tests.factories import booking_body
from tests.integration.booking.racing import rules_for, rush_request
from tests.server import environment_for

pytestmark = BOTH_BOOKING_PATHS

# Calls of the one-statement booking for one booking of a one-pool service, by test id.
ONE_STATEMENT_CALLS = {"sqlite": 0, "postgresql-one-statement": 1, "postgresql-general": 0}


@pytest.fixture
def one_statement_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The offices ``book_in_one_statement`` was called for, during the test."""
    calls: list[str] = []
    real: Callable[..., Any] = create.book_in_one_statement

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs["office"].code)
        return real(*args, **kwargs)

    monkeypatch.setattr(create, "book_in_one_statement", counted)
    return calls


def _expected(request: pytest.FixtureRequest) -> int:
    return ONE_STATEMENT_CALLS[request.node.callspec.id]  # type: ignore[attr-defined]


def test_the_app_books_on_the_path_its_settings_choose(
    client: TestClient, one_statement_calls: list[str], request: pytest.FixtureRequest
) -> None:
    response = client.post("/api/v1/bookings", json=booking_body())

    assert response.status_code == 201, response.text
    assert len(one_statement_calls) == _expected(request)


def test_book_takes_the_path_of_the_race_tests_rules(
    settings: Settings,
    sessions: sessionmaker[Session],
    network: None,
    secret: bytes,
    one_statement_calls: list[str],
    request: pytest.FixtureRequest,
) -> None:
    rules = rules_for(settings)

    book(sessions, directory=Directory(), request=rush_request(1), rules=rules, secret=secret)

    assert len(one_statement_calls) == _expected(request)


def test_kezek_serve_reads_the_same_path_from_its_environment(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in environment_for(settings).items():
        monkeypatch.setenv(name, value)

    assert Settings().booking_one_statement is settings.booking_one_statement
