"""kezek network …"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.exc import DBAPIError

from kezek.admin.service import load_network_file
from kezek.cli.file_problems import refuse
from kezek.config import get_settings
from kezek.db import make_engine, make_sessionmaker
from kezek.errors import Problem
from kezek.network.file import NetworkFileError, read_network_file
from kezek.network.load import LoadReport
from kezek.network.spec import NetworkSpec
from kezek.notify.rules import notify_rules

app = typer.Typer(help="The office network file.", no_args_is_help=True)
console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)

FileArgument = typer.Argument(..., help="A network TOML file.", dir_okay=False)


def _read(path: Path) -> NetworkSpec:
    try:
        return read_network_file(path)
    except NetworkFileError as exc:
        refuse(exc.problems, tail=f" in {path}; nothing was loaded.")


@app.command()
def validate(file: Path = FileArgument) -> None:
    """Check a network file and report every error with its line, field and fix."""
    spec = _read(file)
    windows = sum(len(office.windows) for office in spec.offices)
    console.print(
        f"[green]OK[/green] {file}: {len(spec.offices)} offices, {len(spec.services)} services, "
        f"{windows} windows."
    )


@app.command()
def load(file: Path = FileArgument) -> None:
    """Load a network file: create what is new, update what changed, deactivate what is gone."""
    spec = _read(file)
    settings = get_settings()
    sessions = make_sessionmaker(make_engine(settings))
    try:
        loaded = load_network_file(
            sessions,
            spec,
            notify=notify_rules(settings),
            horizon_days=settings.booking_horizon_days,
        )
    except Problem as problem:  # a round's published places rewritten, say
        errors.print(f"[red]Not loaded[/red]: {problem.detail}", highlight=False)
        raise typer.Exit(1) from None
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0]
        errors.print(
            f"[red]The database refused the load[/red] ({reason}). Check KEZEK_DATABASE_URL, "
            "and run `kezek db upgrade` first on a new database. Nothing was loaded.",
            highlight=False,
        )
        raise typer.Exit(1) from None
    _print_report(file, loaded.report)
    if loaded.told:
        errors.print(
            f"Told the holders of bookings on days the file closes: {loaded.told} messages."
        )
    for code, count in loaded.regridded_with_bookings.items():
        errors.print(
            f"[yellow]Warning[/yellow]: office {code} changed its slot length or which services "
            f"its windows handle while {count} future bookings exist. They keep their places, "
            "but the new slot counters do not include them: check that office's days before "
            "opening them to more bookings."
        )


def _print_report(file: Path, report: LoadReport) -> None:
    if not report.changed:
        console.print(f"{file}: already up to date, nothing changed.")
        return
    table = Table("", "created", "updated", "deactivated", title=f"Loaded {file}")
    for kind in ("service", "office", "window"):
        table.add_row(
            kind + "s",
            str(report.created[kind]),
            str(report.updated[kind]),
            str(report.deactivated[kind]),
        )
    console.print(table)
