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
