"""On PostgreSQL a worker opens its pool's connections as it starts, not in its first
rush: each new connection is a new database process to start, beside the requests that
wait for it."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.pool import QueuePool

from kezek.app import create_app
from kezek.config import Settings
from kezek.db import make_engine, warm_pool
from tests.conftest import POSTGRESQL_ONLY

pytestmark = POSTGRESQL_ONLY


def test_a_starting_app_opens_its_pool_and_keeps_it(settings: Settings, network: None) -> None:
    app = create_app(settings.model_copy(update={"db_pool_warm": True, "db_pool_size": 3}))
    pool = app.state.context.sessions.kw["bind"].pool
    assert isinstance(pool, QueuePool) and pool.checkedin() == 0

    with TestClient(app):
        deadline = time.monotonic() + 20
        while pool.checkedin() < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        opened = pool.checkedin()

    assert opened == 3


def test_a_database_that_refuses_is_left_to_the_requests(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    nowhere = settings.model_copy(
        update={"database_url": "postgresql+psycopg://nobody@127.0.0.1:1/none"}
    )
    engine = make_engine(nowhere)
    try:
        assert warm_pool(engine) == 0
    finally:
        engine.dispose()
    assert "not warmed" in caplog.text
