"""Migrations take an empty database to the models' schema, on both databases."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

import kezek.models  # noqa: F401
from kezek.db import Base
from kezek.migrate import alembic_config, current_revision, upgrade_to_head
from tests.conftest import POSTGRES_ADMIN_URL
from tests.postgres import recreate_database


def test_an_empty_database_migrates_to_head_matching_the_models(database_url: str) -> None:
    # The session fixture has already migrated this database once; a second run is a no-op.
    upgrade_to_head(database_url)
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, Base.metadata)
            tables = set(inspect(connection).get_table_names())
    finally:
        engine.dispose()

    assert differences == []
    assert {"office", "service", "service_window", "booking", "citizen", "slot_cell"} <= tables
    assert current_revision(database_url) is not None


def test_services_loaded_before_ticket_prefixes_get_a_provisional_one(
    database_url: str, tmp_path: Path
) -> None:
    url = _scratch_database(database_url, tmp_path)
    config = alembic_config(url)
    command.upgrade(config, "e9fe3b177502")  # the first revision, before ticket prefixes
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO service (code, name, duration_minutes, documents, active,"
                    " updated_at) VALUES ('passport', '{}', 20, '[]', true, CURRENT_TIMESTAMP)"
                )
            )
        command.upgrade(config, "head")
        with engine.connect() as connection:
            prefix = connection.execute(text("SELECT ticket_prefix FROM service")).scalar_one()
    finally:
        engine.dispose()

    assert prefix == "P"


def _scratch_database(database_url: str, tmp_path: Path) -> str:
    if database_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'scratch.db'}"
    return recreate_database(POSTGRES_ADMIN_URL, "kezek_test_migration")


def test_a_window_left_with_two_tickets_keeps_the_latest_and_says_so(
    database_url: str, tmp_path: Path
) -> None:
    url = _scratch_database(database_url, tmp_path)
    config = alembic_config(url)
    command.upgrade(config, "4116ac48e179")  # the revision before one ticket per window
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            for statement in _TWO_CALLED_AT_ONE_WINDOW:
                connection.execute(text(statement))
        command.upgrade(config, "head")
        with engine.connect() as connection:
            statuses = dict(connection.execute(text("SELECT number, status FROM ticket")).all())
            events = connection.execute(
                text("SELECT ticket_id, kind, actor FROM queue_event ORDER BY id")
            ).all()
    finally:
        engine.dispose()

    assert statuses == {1: "waiting", 2: "called"}
    assert [tuple(event) for event in events] == [(1, "requeue", "migration")]


_TWO_CALLED_AT_ONE_WINDOW = [
    "INSERT INTO office (id, code, kind, name, city, address, country, timezone, latitude,"
    " longitude, slot_minutes, calendar, queue_policy, active, updated_at) VALUES (1, 'bsk',"
    " 'consulate', '{}', '{}', '{}', 'KG', 'Asia/Bishkek', 0, 0, 10, '{}', '{}', true,"
    " CURRENT_TIMESTAMP)",
    "INSERT INTO service (id, code, ticket_prefix, name, duration_minutes, documents, active,"
    " updated_at) VALUES (1, 'quick', 'Q', '{}', 10, '[]', true, CURRENT_TIMESTAMP)",
    "INSERT INTO service_window (id, office_id, code, bookable, active, updated_at)"
    " VALUES (1, 1, '1', true, true, CURRENT_TIMESTAMP)",
    *(
        "INSERT INTO ticket (id, office_id, service_id, day, prefix, number, kind, status,"
        " arrived_at, window_id, called_at, calls, secret_hash, updated_at) VALUES"
        f" ({n}, 1, 1, '2026-12-02', 'Q', {n}, 'walk_in', 'called', '2026-12-02 03:00:00', 1,"
        f" '2026-12-02 03:0{n}:00', 1, 'x', CURRENT_TIMESTAMP)"
        for n in (1, 2)
    ),
]
