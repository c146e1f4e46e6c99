from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from kezek.db import run_transaction
from kezek.errors import Invalid, NotFound
from kezek.network.file import parse_network
from kezek.network.load import load_network
from kezek.queue.policy import policy_for
from tests.factories import NETWORK_TOML
from tests.integration.queue.helpers import DIRECTORY, at, call, walk_in


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


def test_each_office_sets_its_own_policy(sessions: sessionmaker[Session], network: None) -> None:
    eaeu_first = NETWORK_TOML.replace(
        '[[offices.windows]]\ncode = "1"\nservices = ["quick", "long"]',
        '[offices.queue]\npriority_groups = ["eaeu", "priority"]\nmax_wait_minutes = 240\n\n'
        '[[offices.windows]]\ncode = "1"\nservices = ["quick", "long"]',
        1,
    )
    spec = parse_network(eaeu_first, source="t")
    run_transaction(sessions, lambda session: load_network(session, spec))
    walk_in(sessions, now=at(9), group="priority")
    eaeu = walk_in(sessions, now=at(9, 5), group="eaeu")

    called = call(sessions, window="1", now=at(10))

    assert called is not None and called.id == eaeu.id
    with sessions() as session:
        policy = policy_for(DIRECTORY.office(session, "bsk").queue_config)
    assert policy.config.max_wait == timedelta(hours=4)
