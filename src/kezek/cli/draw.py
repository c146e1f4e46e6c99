"""kezek draw …: checking a draw from what it published, with nothing but the file."""

from __future__ import annotations

from pathlib import Path

import typer

app = typer.Typer(help="Draws for scarce places: check a published draw.", no_args_is_help=True)

_HASH_OPTIONS = {
    "--commitment": "the seed's SHA-256 as published before applications opened",
    "--places-sha256": "the places' SHA-256 as published before applications opened",
    "--applications-sha256": "the applications' SHA-256 as published when they closed",
}


@app.command()
def verify(
    file: Path = typer.Argument(..., help="The draw's published JSON file."),
    commitment: str | None = typer.Option(None, help=_HASH_OPTIONS["--commitment"] + "."),
    places_sha256: str | None = typer.Option(None, help=_HASH_OPTIONS["--places-sha256"] + "."),
    applications_sha256: str | None = typer.Option(
        None, help=_HASH_OPTIONS["--applications-sha256"] + "."
    ),
) -> None:
    """Do the draw again from its published file: the seed against its commitment, the
    places and the applications against their hashes, the order from the seed and the
    places from the order. Exit status 0 when all agree, 1 when something differs, 2 when
    the file or an option cannot be read."""
    from kezek.allocation.publication import NotADraw, check, from_json
    from kezek.allocation.seed import is_sha256

    given = {
        "--commitment": commitment,
        "--places-sha256": places_sha256,
        "--applications-sha256": applications_sha256,
    }
    for option, value in given.items():
        if value is not None and not is_sha256(value):
            typer.secho(
                f"{option} is not a SHA-256: give {_HASH_OPTIONS[option]}, "
                "64 hexadecimal characters.",
                fg=typer.colors.RED,
                err=True,
            )
            raise typer.Exit(2)
    try:
        published, stated = from_json(file.read_bytes())
    except (OSError, NotADraw) as exc:
        typer.secho(f"{_shown(str(file))}: {_shown(str(exc))}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None
    problems = check(
        published,
        stated,
        commitment=commitment,
        places_sha256=places_sha256,
        applications_sha256=applications_sha256,
    )
    if problems:
        for problem in problems:
            typer.secho(f"Differs: {problem}.", fg=typer.colors.RED)
        raise typer.Exit(1)
    outcome = published.outcome
    typer.echo(
        f"Confirmed: draw {published.round}, {_count(len(published.applicants), 'application')}, "
        f"{_count(len(outcome.wins), 'place')} given, {len(outcome.waitlist)} on the waitlist."
    )
    unchecked = [option for option, value in given.items() if value is None]
    if unchecked:
        typer.echo(
            "Checked against the file's own hashes only; to check it against what was "
            f"published before, give {', '.join(unchecked)}."
        )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _shown(text: str) -> str:
    """The text with its control characters escaped: a file's words, not a terminal's."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
