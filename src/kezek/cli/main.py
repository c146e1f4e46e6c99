"""The ``kezek`` command.

Each command's module loads only when that command runs: ``kezek plan`` need not pay two
seconds for SQLAlchemy, nor ``kezek db upgrade`` for NumPy. ``kezek --help`` loads them
all, to list them.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

import typer
from typer.core import TyperGroup

# Command name: (module, attribute), a Typer of its own or one command's function.
COMMANDS = {
    "db": ("kezek.cli.db", "app"),
    "draw": ("kezek.cli.draw", "app"),
    "network": ("kezek.cli.network", "app"),
    "notify": ("kezek.cli.notify", "app"),
    "telegram": ("kezek.cli.telegram", "app"),
    "staff": ("kezek.cli.staff", "app"),
    "serve": ("kezek.cli.serve", "serve"),
    "plan": ("kezek.cli.plan", "plan"),
    "roster": ("kezek.cli.roster", "roster"),
    "simulate": ("kezek.cli.plan", "simulate"),
}


class _Commands(TyperGroup):
    """The commands, each loaded when asked for."""

    # Typer's Click types are private to it: Any stands for them.
    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        found = COMMANDS.get(cmd_name)
        if found is None:
            return None
        module, attribute = found
        target: Any = getattr(import_module(module), attribute)
        if isinstance(target, typer.Typer):
            group = typer.main.get_group(target)
            group.name = cmd_name
            return group
        single = typer.Typer()
        single.command(cmd_name)(target)
        return typer.main.get_command(single)


app = typer.Typer(
    cls=_Commands,
    help="Kezek: booking, live queue and capacity planning for offices facing a deadline surge.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def main() -> None:
    # A callback makes ``kezek`` a group of commands, the commands being in COMMANDS.
    pass
