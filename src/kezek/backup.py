"""Backups of the embedded SQLite database, taken while the service runs.

SQLite's online backup API copies the database page by page under its own locks, so the
copy is consistent even with writers active. PostgreSQL has its own tools (``pg_dump`` and
``pg_restore``, see the README's deployment section); this module refuses it by name.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(Exception):
    pass


def sqlite_path(database_url: str) -> Path:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database:
        raise BackupError(
            "kezek db backup and restore handle the embedded SQLite database. For PostgreSQL "
            "use pg_dump --format=custom and pg_restore, as the README's deployment section shows."
        )
    return Path(url.database)


def backup(database_url: str, target: Path) -> int:
    """Copy the live database to ``target``; return the number of pages copied."""
    source = sqlite_path(database_url)
    if not source.exists():
        raise BackupError(f"There is no database at {source} to back up.")
    if target.exists():
        raise BackupError(f"{target} exists already; choose a new file name.")
    target.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(source) as live, sqlite3.connect(target) as copy:
        live.backup(copy)
        pages: int = copy.execute("PRAGMA page_count").fetchone()[0]
    return pages


def restore(database_url: str, source: Path) -> None:
    """Replace the database with the backup at ``source``, checking it first."""
    target = sqlite_path(database_url)
    if not source.exists():
        raise BackupError(f"There is no backup at {source}.")
    with sqlite3.connect(source) as backed_up:
        verdict = backed_up.execute("PRAGMA integrity_check").fetchone()[0]
        if verdict != "ok":
            raise BackupError(f"{source} is damaged ({verdict}); nothing was restored.")
        target.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(target) as live:
            backed_up.backup(live)
