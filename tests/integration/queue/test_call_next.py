from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from kezek.problems import Invalid, NotFound
from tests.integration.queue.helpers import at, call, walk_in


def test_the_window_calls_the_first_arrival(sessions: sessionmaker[Session], network: None) -> None:
    first = walk_in(sessions, now=at(9))
    walk_in(sessions, now=at(9, 5))

    called = call(sessions, window="1", now=at(9, 10))

    assert called is not None and called.id == first.id
    assert called.status == "called"
    assert called.called_at == at(9, 10)


def test_a_priority_ticket_goes_first(sessions: sessionmaker[Session], network: None) -> None:
    walk_in(sessions, now=at(9))
    priority = walk_in(sessions, now=at(9, 5), group="priority")

    called = call(sessions, window="1", now=at(9, 10))

    assert called is not None and called.id == priority.id


def test_a_window_calls_only_the_services_it_serves(
    sessions: sessionmaker[Session], network: None
) -> None:
    walk_in(sessions, now=at(9), service="other")

    assert call(sessions, window="1", now=at(9, 10)) is None
    called = call(sessions, window="3", now=at(9, 10))
    assert called is not None and called.code == "O-001"


def test_a_clerk_can_narrow_the_services(sessions: sessionmaker[Session], network: None) -> None:
    walk_in(sessions, now=at(9))
    long = walk_in(sessions, now=at(9, 5), service="long")

    called = call(sessions, window="1", now=at(9, 10), services=frozenset({"long"}))

    assert called is not None and called.id == long.id


def test_yesterdays_tickets_are_not_called(sessions: sessionmaker[Session], network: None) -> None:
    walk_in(sessions, now=at(17, days_ahead=1))

    assert call(sessions, window="1", now=at(9, days_ahead=2)) is None


def test_unknown_window_and_services_are_refused(
    sessions: sessionmaker[Session], network: None
) -> None:
    with pytest.raises(NotFound):
        call(sessions, window="99", now=at(9))
    with pytest.raises(Invalid):
        call(sessions, window="1", now=at(9), services=frozenset({"other"}))
