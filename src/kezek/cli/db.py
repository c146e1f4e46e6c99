"""kezek db …"""

from __future__ import annotations

import typer
from rich.console import Console

from kezek.config import get_settings
from kezek.migrate import upgrade_to_head

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.command()
def upgrade() -> None:
    """Create or migrate the database schema to the newest version."""
    settings = get_settings()
    revision = upgrade_to_head(settings.sqlalchemy_url)
    Console().print(f"Database is at revision [bold]{revision}[/bold].")
