"""kezek staff …"""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session, sessionmaker

from kezek.admin.service import disable_member
from kezek.config import get_settings
from kezek.db import make_engine, make_sessionmaker, read_session, run_transaction
from kezek.errors import Problem
from kezek.queue.bus import BoardBus
from kezek.staff.models import Role
from kezek.staff.service import add_staff, list_staff
from kezek.types import utcnow

app = typer.Typer(help="Staff users: admins, managers and clerks.", no_args_is_help=True)
console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)


def _sessions() -> sessionmaker[Session]:
    return make_sessionmaker(make_engine(get_settings()))


@app.command()
def add(
    username: str = typer.Argument(..., help="Sign-in name, such as aibek.asanov."),
    role: Role = typer.Option(
        Role.clerk, help="admin, manager, clerk, or kiosk (a ticket machine: tickets only)."
    ),
    office: list[str] = typer.Option([], help="An office code the user works for; repeat it."),
    full_name: str = typer.Option("", help="The name shown in the audit log."),
    password: str = typer.Option(
        ..., prompt=True, hide_input=True, confirmation_prompt=True, help="At least 10 characters."
    ),
) -> None:
    """Add a staff user; the password is asked for, hidden, twice."""
    try:
        user = run_transaction(
            _sessions(),
            lambda session: add_staff(
                session,
                username=username,
                full_name=full_name or username,
                role=role,
                password=password,
                office_codes=office,
            ),
        )
    except Problem as problem:
        errors.print(f"[red]{problem.field or 'error'}[/red]: {problem.detail}", highlight=False)
        raise typer.Exit(1) from None
    console.print(f"Added {user.role} [bold]{user.username}[/bold].")


@app.command("list")
def list_users() -> None:
    """List the staff users with their role and offices."""
    with read_session(_sessions()) as session:
        users = list_staff(session)
        table = Table("username", "name", "role", "offices", "active")
        for user in users:
            offices = ", ".join(office.code for office in user.offices) or "(all)"
            table.add_row(
                user.username, user.full_name, user.role, offices, "yes" if user.active else "no"
            )
    console.print(table)


@app.command()
def disable(username: str = typer.Argument(..., help="The user to disable.")) -> None:
    """Disable a user and end every session of theirs at once."""
    try:
        # A board bus of its own: on PostgreSQL it tells the servers' boards of the windows
        # this closes.
        disable_member(
            _sessions(), BoardBus(), username=username, by="kezek staff disable", now=utcnow()
        )
    except Problem as problem:
        errors.print(f"[red]{problem.field or 'error'}[/red]: {problem.detail}", highlight=False)
        raise typer.Exit(1) from None
    console.print(
        f"Disabled [bold]{username}[/bold]; their tokens no longer work, and their windows "
        "are closed."
    )
