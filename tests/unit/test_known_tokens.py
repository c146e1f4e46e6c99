"""A worker remembers who holds a token only while it hears the database's notices."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kezek.staff.members import Staff, Unauthorized
from kezek.staff.models import Role
from kezek.staff.tokens import KnownTokens

NOW = datetime(2025, 4, 1, 9, 0, tzinfo=UTC)
CLERK = Staff(id=1, username="clerk", role=Role.clerk, office_codes=frozenset({"msk"}))


class Reads:
    """The database's answer, counted."""

    def __init__(self, expires_at: datetime = NOW + timedelta(hours=8)) -> None:
        self.count = 0
        self.expires_at = expires_at

    def __call__(self) -> tuple[Staff, datetime]:
        self.count += 1
        return CLERK, self.expires_at


def test_a_listening_worker_reads_a_token_once() -> None:
    tokens, reads = KnownTokens(), Reads()
    tokens.listening()

    found = [tokens.staff("h", now=NOW, read=reads) for _ in range(5)]

    assert found == [CLERK] * 5
    assert reads.count == 1


def test_a_worker_not_listening_reads_every_time() -> None:
    tokens, reads = KnownTokens(), Reads()
    for _ in range(3):
        tokens.staff("h", now=NOW, read=reads)
    tokens.listening()
    tokens.deaf()  # lost the database
    tokens.staff("h", now=NOW, read=reads)
    tokens.staff("h", now=NOW, read=reads)

    assert reads.count == 5


def test_a_change_heard_makes_every_token_read_again() -> None:
    tokens, reads = KnownTokens(), Reads()
    tokens.listening()
    tokens.staff("h", now=NOW, read=reads)

    tokens.changed()
    tokens.staff("h", now=NOW, read=reads)

    assert reads.count == 2


def test_a_read_from_before_a_change_is_not_remembered() -> None:
    tokens = KnownTokens()
    tokens.listening()

    def read_while_a_user_is_disabled() -> tuple[Staff, datetime]:
        tokens.changed()  # heard while the read was on its way
        return CLERK, NOW + timedelta(hours=8)

    tokens.staff("h", now=NOW, read=read_while_a_user_is_disabled)
    reads = Reads()
    tokens.staff("h", now=NOW, read=reads)

    assert reads.count == 1


def test_an_expired_token_is_refused_though_remembered() -> None:
    tokens, reads = KnownTokens(), Reads(expires_at=NOW + timedelta(minutes=1))
    tokens.listening()
    tokens.staff("h", now=NOW, read=reads)

    with pytest.raises(Unauthorized, match="expired"):
        tokens.staff("h", now=NOW + timedelta(minutes=1), read=reads)
    assert reads.count == 1


def test_a_token_is_read_again_after_the_longest_memory() -> None:
    tokens, reads = KnownTokens(max_age=0.0), Reads()
    tokens.listening()
    tokens.staff("h", now=NOW, read=reads)
    tokens.staff("h", now=NOW, read=reads)

    assert reads.count == 2


def test_what_the_worker_remembers_is_answered_without_reading() -> None:
    tokens, reads = KnownTokens(), Reads(expires_at=NOW + timedelta(minutes=1))
    tokens.listening()

    before = tokens.remembered("h", now=NOW)
    tokens.staff("h", now=NOW, read=reads)
    after = tokens.remembered("h", now=NOW)

    assert before is None and after == CLERK and reads.count == 1
    with pytest.raises(Unauthorized, match="expired"):
        tokens.remembered("h", now=NOW + timedelta(minutes=1))
