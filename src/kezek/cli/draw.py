"""kezek draw …: checking a draw from what it published, with nothing but the file."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

app = typer.Typer(help="Draws for scarce places: check a published draw.", no_args_is_help=True)


@app.command()
def verify(
    file: Path = typer.Argument(..., help="The draw's published JSON file."),
    commitment: str | None = typer.Option(
        None, help="The seed's SHA-256 as published before applications opened."
    ),
    applications_sha256: str | None = typer.Option(
        None, help="The applications' SHA-256 as published when applications closed."
    ),
) -> None:
    """Do the draw again from its published file: the seed against its commitment, the
    applications against their hash, the order from the seed and the places from the
    order. Exit status 0 when all agree, 1 when something differs, 2 when the file cannot
    be read."""
    from kezek.allocation.publication import NotADraw, from_json
    from kezek.allocation.publication import verify as verify_draw

    console = Console()
    try:
        text = file.read_text(encoding="utf-8")
        problems = verify_draw(text, commitment=commitment, applications_sha256=applications_sha256)
        published, _ = from_json(text)
    except (OSError, UnicodeDecodeError, NotADraw) as exc:
        typer.secho(f"{file}: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None
    if problems:
        for problem in problems:
            typer.secho(f"Differs: {problem}.", fg=typer.colors.RED)
        raise typer.Exit(1)
    outcome = published.outcome
    console.print(
        f"Confirmed: draw {published.round}, {len(published.applicants)} applications, "
        f"{len(outcome.wins)} places given, {len(outcome.waitlist)} on the waitlist; "
        f"the seed matches its commitment {published.commitment[:16]}…"
    )
