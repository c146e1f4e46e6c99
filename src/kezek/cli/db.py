"""kezek db …"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from kezek.backup import BackupError, backup, restore
from kezek.config import get_settings

app = typer.Typer(help="Database schema and backups.", no_args_is_help=True)


@app.command()
def upgrade() -> None:
    """Create or migrate the database schema to the newest version."""
    # Alembic loads here, not with the command line: every server worker imports that.
    from kezek.migrate import upgrade_to_head

    settings = get_settings()
    revision = upgrade_to_head(settings.sqlalchemy_url)
    Console().print(f"Database is at revision [bold]{revision}[/bold].")


FileArgument = typer.Argument(..., help="The backup file.", dir_okay=False)


@app.command("backup")
def backup_command(file: Path = FileArgument) -> None:
    """Copy the SQLite database to FILE while the service runs (PostgreSQL: use pg_dump)."""
    try:
        pages = backup(get_settings().sqlalchemy_url, file)
    except BackupError as exc:
        Console(stderr=True).print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    Console().print(f"Backed up {pages} pages to {file}.")


@app.command("restore")
def restore_command(file: Path = FileArgument) -> None:
    """Replace the SQLite database with FILE, after checking it (stop the server first)."""
    try:
        restore(get_settings().sqlalchemy_url, file)
    except BackupError as exc:
        Console(stderr=True).print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    Console().print(f"Restored the database from {file}.")
