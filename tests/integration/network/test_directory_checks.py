"""How a process checks its snapshot of the network: by one thread at a time, in a
transaction it commits, so that the check costs the rush neither a read per thread nor the
statements the driver prepared."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import Engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from kezek.config import Settings
from kezek.db import make_engine, make_sessionmaker
from kezek.direct import Direct
from kezek.network.directory import Directory
from tests.conftest import POSTGRESQL_ONLY


def test_one_thread_reads_the_revision_while_the_others_keep_the_snapshot(
    engine: Engine, sessions: sessionmaker[Session], network: None
) -> None:
    directory = Directory(max_age=0)  # every lookup is due for a check
    directory.offices(sessions)
    reads: list[str] = []
    reading, go_on = threading.Event(), threading.Event()

    def held(*args: Any) -> None:  # the first check waits in its read of the revision
        if "network_revision" in args[2]:
            reads.append(threading.current_thread().name)
            reading.set()
            go_on.wait(10)

    event.listen(engine, "before_cursor_execute", held)
    try:
        checker = threading.Thread(target=directory.offices, args=(sessions,), name="checker")
        checker.start()
        assert reading.wait(10)
        # Meanwhile every other lookup answers from the snapshot, without a read.
        meanwhile = [directory.office(sessions, "bsk").code for _ in range(5)]
        go_on.set()
        checker.join(10)
    finally:
        event.remove(engine, "before_cursor_execute", held)

    assert meanwhile == ["bsk"] * 5
    assert reads == ["checker"]


def test_the_first_lookup_waits_for_the_network_being_read(
    engine: Engine, sessions: sessionmaker[Session], network: None
) -> None:
    # With no snapshot yet there is nothing to answer from: the others wait for it.
    directory = Directory()
    found: list[list[str]] = []
    threads = [
        threading.Thread(target=lambda: found.append([o.code for o in directory.offices(sessions)]))
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert len(found) == 8 and all("bsk" in codes for codes in found)


@POSTGRESQL_ONLY
def test_a_check_leaves_the_statements_the_connection_prepared(
    settings: Settings, network: None
) -> None:
    # The driver forgets what it prepared on a connection that rolls back: the check commits.
    alone = make_engine(settings.model_copy(update={"db_pool_size": 1, "db_max_overflow": 0}))
    try:
        Direct(text("SELECT 41 + 1 AS answer")).rows(alone, {})
        Directory(max_age=0).offices(make_sessionmaker(alone))

        with alone.connect() as connection:
            prepared = connection.execute(text("SELECT statement FROM pg_prepared_statements"))
            assert [statement for (statement,) in prepared] == ["SELECT 41 + 1 AS answer"]
    finally:
        alone.dispose()
