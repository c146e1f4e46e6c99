"""kezek draw …: running a round's draw, following it up, and checking a published draw."""

from __future__ import annotations

import re
from pathlib import Path

import typer

from kezek.codes import CODE_PATTERN
from kezek.context import AppContext

app = typer.Typer(
    help="Draws for scarce places: run a round's draw, show it, check a published draw.",
    no_args_is_help=True,
)


def _context() -> AppContext:
    from kezek.cli.notify import _context as context

    return context()


@app.command()
def run(
    round_code: str = typer.Argument(..., metavar="ROUND", help="The round's code."),
    seed: str | None = typer.Option(
        None, help="The seed, in hexadecimal, when someone outside holds it."
    ),
) -> None:
    """Run a round's draw, at or after its published time: winners get a booking to confirm
    and an SMS, the others their waitlist number. It runs once."""
    from kezek.errors import Problem
    from kezek.rounds import service

    try:
        drawn = service.draw(_context(), code=round_code, seed=seed)
    except Problem as problem:
        typer.secho(problem.detail, fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from None
    typer.echo(
        f"Drew round {round_code}: {_count(drawn.applications, 'application')}, "
        f"{_count(drawn.places, 'place')}, {drawn.won} won ({drawn.booked} booked), "
        f"{drawn.waitlist} on the waitlist. The file: kezek draw export {round_code}."
    )


@app.command()
def show(round_code: str = typer.Argument(..., metavar="ROUND", help="The round's code.")) -> None:
    """A round as its public page shows it: times, places, applications, the hashes."""
    from kezek.errors import Problem
    from kezek.rounds import service

    try:
        view = service.one_round(_context(), round_code)
    except Problem as problem:
        typer.secho(problem.detail, fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from None
    lines = [
        f"Round {view.code} ({view.phase}): {', '.join(view.services)} at "
        f"{', '.join(view.offices)}, {view.first_day} to {view.last_day}",
        f"Applications {view.opens_at:%Y-%m-%d %H:%M} to {view.closes_at:%Y-%m-%d %H:%M} UTC, "
        f"draw {view.draws_at:%Y-%m-%d %H:%M} UTC",
        f"Places: {view.places}; applications: "
        f"{'(when applications close)' if view.applications is None else view.applications}",
        f"Commitment: {view.commitment}",
        f"Places SHA-256: {view.places_sha256 or '-'}",
        f"Applications SHA-256: {view.applications_sha256 or '(when applications close)'}",
        f"Seed: {view.seed or '(after the draw)'}",
    ]
    if view.standings:
        lines.append(
            "Standing: " + ", ".join(f"{k} {v}" for k, v in sorted(view.standings.items()))
        )
    if view.urgent_served is not None:
        lines.append(f"Urgent applicants served in time: {view.urgent_served:.1%}")
    typer.echo("\n".join(lines))


@app.command()
def export(
    round_code: str = typer.Argument(..., metavar="ROUND", help="The round's code."),
) -> None:
    """Print the draw's published file (JSON), as the round's page gives it."""
    from kezek.errors import Problem
    from kezek.rounds import service

    try:
        typer.echo(service.published(_context(), code=round_code), nl=False)
    except Problem as problem:
        typer.secho(problem.detail, fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from None


@app.command("follow-up")
def follow_up() -> None:
    """Give up places not confirmed in time and offer free places to the waitlists (every
    relay does this once a minute)."""
    from kezek.rounds import service

    for code, done in service.follow_up_all(_context()).items():
        typer.echo(
            f"Round {code}: {done.lapsed} not confirmed in time, {done.cancelled} cancelled, "
            f"{done.offered} offered from the waitlist."
        )


_HASH_OPTIONS = {
    "--commitment": "the seed's SHA-256 as published before applications opened",
    "--places-sha256": "the places' SHA-256 as published before applications opened",
    "--applications-sha256": "the applications' SHA-256 as published when they closed",
}


@app.command()
def verify(
    file: Path = typer.Argument(
        ...,
        metavar="FILE|ROUND",
        help="The draw's published JSON file, or a round's code to check its stored draw "
        "against the hashes it published.",
    ),
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
    stored = not file.exists() and _looks_like_a_code(str(file))
    text = ""
    if stored:  # a round's code: its stored file, against the hashes it published before
        text, hashes = _stored(str(file))
        given = {option: value or hashes[option] for option, value in given.items()}
    try:
        published, stated = from_json(text if stored else file.read_bytes())
    except (OSError, NotADraw) as exc:
        typer.secho(f"{_shown(str(file))}: {_shown(str(exc))}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None
    problems = check(
        published,
        stated,
        commitment=given["--commitment"],
        places_sha256=given["--places-sha256"],
        applications_sha256=given["--applications-sha256"],
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


def _looks_like_a_code(text: str) -> bool:
    return re.fullmatch(CODE_PATTERN, text) is not None


def _stored(code: str) -> tuple[str, dict[str, str | None]]:
    """A round's published file and the hashes it published before, from the database."""
    from kezek.errors import Problem
    from kezek.rounds import service

    context = _context()
    try:
        view = service.one_round(context, code)
        text = service.published(context, code=code)
    except Problem as problem:
        typer.secho(problem.detail, fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None
    return text, {
        "--commitment": view.commitment,
        "--places-sha256": view.places_sha256,
        "--applications-sha256": view.applications_sha256,
    }


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _shown(text: str) -> str:
    """The text with its control characters escaped: a file's words, not a terminal's."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
