"""kezek db …"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import typer
from rich.console import Console

from kezek.admin.service import purge_expired
from kezek.backup import BackupError, backup, restore
from kezek.config import get_settings
from kezek.db import make_engine, make_sessionmaker
from kezek.types import utcnow

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


@app.command("purge")
def purge_command() -> None:
    """Forget idempotency keys older than KEZEK_IDEMPOTENCY_KEEP_HOURS, spent rate-limit
    counts, old wrong-password records and expired sign-ins (each server does it hourly)."""
    settings = get_settings()
    purged = purge_expired(
        make_sessionmaker(make_engine(settings)),
        now=utcnow(),
        keep_keys=timedelta(hours=settings.idempotency_keep_hours),
        keep_messages=timedelta(days=settings.notify_keep_days),
    )
    Console().print(
        f"Purged {purged.queue_requests} queue request keys, {purged.booking_keys} booking keys, "
        f"{purged.rate_counts} rate-limit counts, {purged.sign_in_failures} wrong-password "
        f"records, {purged.expired_tokens} expired sign-ins, {purged.messages} old messages, "
        f"{purged.phone_codes} spent phone codes and {purged.telegram_links} unused "
        "Telegram links."
    )
