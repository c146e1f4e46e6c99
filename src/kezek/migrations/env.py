"""Alembic environment: the URL comes from ``kezek.migrate`` or from the settings."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

import kezek.models  # noqa: F401  (registers the tables)
from kezek.config import get_settings
from kezek.db import Base

config = context.config
url = config.attributes.get("url") or get_settings().sqlalchemy_url
is_sqlite = url.startswith("sqlite")

if is_sqlite:
    from pathlib import Path

    database = url.removeprefix("sqlite:///")
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)


def run() -> None:
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=is_sqlite,  # SQLite alters tables by copying them
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run()
