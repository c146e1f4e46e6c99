"""Printing what is wrong in a file the way every command does: one problem a line."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NoReturn

import typer
from rich.console import Console

from kezek.network.file import FileProblem

errors = Console(stderr=True, soft_wrap=True)


def refuse(problems: Sequence[FileProblem], *, tail: str) -> NoReturn:
    """Print each problem, then the count and ``tail``, and exit with status 1."""
    for problem in problems:
        errors.print(str(problem), markup=False, highlight=False)
    count = len(problems)
    errors.print(f"[red]{count} error{'s' if count != 1 else ''}[/red]{tail}")
    raise typer.Exit(1)
