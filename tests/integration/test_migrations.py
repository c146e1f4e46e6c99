"""Migrations take an empty database to the models' schema, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect

import kezek.booking.models
import kezek.network.models  # noqa: F401
from kezek.db import Base
from kezek.migrate import current_revision, upgrade_to_head


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
