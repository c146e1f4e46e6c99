"""What is to happen once a transaction commits happens then, once, and never after a
rollback, not even at the session's next commit."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from kezek.db import on_commit


def test_an_action_runs_once_the_transaction_commits(sessions: sessionmaker[Session]) -> None:
    done: list[str] = []
    with sessions() as session:
        session.execute(text("SELECT 1"))
        on_commit(session, lambda: done.append("first"))
        on_commit(session, lambda: done.append("second"))
        assert done == []  # not before the commit
        session.commit()
        session.execute(text("SELECT 1"))
        session.commit()  # a later commit runs nothing again

    assert done == ["first", "second"]


def test_a_rolled_back_transaction_forgets_its_actions(sessions: sessionmaker[Session]) -> None:
    done: list[str] = []
    with sessions() as session:
        session.execute(text("SELECT 1"))
        on_commit(session, lambda: done.append("rolled back"))
        session.rollback()
        session.execute(text("SELECT 1"))
        on_commit(session, lambda: done.append("committed"))
        session.commit()

    assert done == ["committed"]
