"""What `kezek roster` does and prints; loaded only when it runs.

It brings OR-Tools, xlsxwriter and matplotlib with it, which a server process never needs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import typer
from rich.console import Console

from kezek.cli.file_problems import refuse
from kezek.network.calendar import hhmm
from kezek.planning.roster_chart import draw_roster
from kezek.planning.roster_clerks import Clerk, read_clerks
from kezek.planning.roster_csv import RosterFileError
from kezek.planning.roster_files import write_csv, write_workbook
from kezek.planning.roster_need import DayNeed, busiest_month, month_of
from kezek.planning.roster_plan_file import FILE_NAME, WindowHours, read_window_hours
from kezek.planning.roster_result import Roster
from kezek.planning.roster_shifts import ShiftRules
from kezek.planning.roster_solve import solve_roster

console = Console(soft_wrap=True)


@dataclass(frozen=True)
class RosterRequest:
    plan_dir: Path
    office: str
    clerks: Path
    deadline: str | None
    first: str | None
    last: str | None
    min_hours: float
    max_hours: float
    seconds: float
    out: Path
    language: str


def run_roster(request: RosterRequest) -> None:
    plan = _window_hours(request.plan_dir)
    if request.office not in plan.offices:
        raise typer.BadParameter(
            f"no office '{request.office}' in {request.plan_dir / FILE_NAME}; "
            f"give one of {', '.join(plan.offices)}",
            param_hint="OFFICE",
        )
    deadline = _deadline(plan, request.deadline)
    needs = _period(plan.needs(request.office, deadline), request)
    clerks = _clerks(request.clerks)
    rules = _rules(request)
    workers = os.cpu_count() or 1
    console.print(
        f"[bold]Roster for {request.office}[/bold], the plan for the deadline {deadline}: "
        f"{needs[0].day} to {needs[-1].day}, {len(needs)} open days, {len(clerks)} clerks."
    )
    with console.status(f"Solving for at most {request.seconds:g} s on {workers} threads…"):
        roster = solve_roster(needs, clerks, rules, seconds=request.seconds, workers=workers)
    _print_roster(roster, workers)
    request.out.mkdir(parents=True, exist_ok=True)
    stem = request.out / f"roster-{request.office}"
    written = [
        write_csv(roster, stem.with_suffix(".csv")),
        write_workbook(roster, stem.with_suffix(".xlsx")),
        draw_roster(roster, request.office, stem.with_suffix(".png"), language=request.language),
    ]
    console.print("Wrote " + ", ".join(str(path) for path in written))


def _window_hours(plan_dir: Path) -> WindowHours:
    path = plan_dir / FILE_NAME
    if not path.is_file():
        raise typer.BadParameter(
            f"{path} does not exist; run `kezek plan SCENARIO --out {plan_dir}` first",
            param_hint="PLAN_DIR",
        )
    try:
        return read_window_hours(path)
    except RosterFileError as exc:
        refuse(exc.problems, tail="; no roster was made. Run `kezek plan` again to rewrite it.")


def _clerks(path: Path) -> list[Clerk]:
    try:
        return read_clerks(path)
    except RosterFileError as exc:
        refuse(exc.problems, tail="; no roster was made.")


def _day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(
            f"'{text}' is not a date; write it as 2025-04-01", param_hint=f"'{option}'"
        ) from None


def _deadline(plan: WindowHours, text: str | None) -> date:
    known = plan.deadlines
    if text is None:
        return known[0]
    deadline = _day(text, "--deadline")
    if deadline not in known:
        raise typer.BadParameter(
            f"the plan has no recommendation for {deadline}; give one of "
            + ", ".join(d.isoformat() for d in known),
            param_hint="'--deadline'",
        )
    return deadline


def _period(needs: list[DayNeed], request: RosterRequest) -> list[DayNeed]:
    """The open days from --from to --to; the busiest month's without them, and the whole
    month of the one given."""
    first = _day(request.first, "--from") if request.first else None
    last = _day(request.last, "--to") if request.last else None
    if first is None and last is None:
        first, last = busiest_month(needs)
    elif first is None:
        assert last is not None
        first = month_of(last)[0]
    elif last is None:
        last = month_of(first)[1]
    if last < first:
        raise typer.BadParameter(f"{last} is before --from {first}", param_hint="'--to'")
    inside = [need for need in needs if first <= need.day <= last]
    if not inside:
        raise typer.BadParameter(
            f"{request.office} opens no window from {first} to {last} in this plan; its open "
            f"days run from {needs[0].day} to {needs[-1].day}: choose --from and --to "
            "within them",
            param_hint="'--from' / '--to'",
        )
    return inside


def _rules(request: RosterRequest) -> ShiftRules:
    if request.min_hours > request.max_hours:
        raise typer.BadParameter(
            f"{request.min_hours:g} is longer than --max-hours {request.max_hours:g}; "
            "give a shortest shift no longer than the longest",
            param_hint="'--min-hours'",
        )
    return ShiftRules(round(request.min_hours * 60), round(request.max_hours * 60))


def _print_roster(roster: Roster, workers: int) -> None:
    paid, floor = roster.clerk_minutes / 60, roster.window_minutes / 60
    console.print(
        f"Clerk-hours: [bold]{_hours(paid)}[/bold] for {_hours(floor)} window-hours, the "
        f"fewest a roster that staffs every window can have: a ratio of {paid / floor:.3f}."
    )
    solved = roster.solved
    if solved.minutes_bound is not None:
        bound = solved.minutes_bound / 60
        if solved.optimal:
            console.print("No roster has fewer clerk-hours (proven).")
        elif paid <= bound:
            console.print(
                "No roster has fewer clerk-hours (proven); one with fairer weekends or fewer "
                "clerks may exist: give more --seconds to look for it."
            )
        else:
            console.print(
                f"No roster can have fewer than {_hours(bound)} clerk-hours: this one is "
                f"within {paid / bound - 1:.1%} of that; give more --seconds to look further."
            )
    console.print(f"Clerks used: {len(roster.used)} of {len(roster.clerks)}.")
    _print_weekends(roster)
    _print_shortages(roster)
    if solved.method == "CP-SAT":
        proof = "proven optimal" if solved.optimal else "the best found in the time given"
        console.print(f"Solved by CP-SAT in {solved.seconds:.1f} s on {workers} threads: {proof}.")
    else:
        console.print(
            "[yellow]The solver found no roster in the time given:[/yellow] this is the greedy "
            "roster; give more --seconds for a better one."
        )


def _hours(value: float) -> str:
    """9,641 rather than 9,641.0; 9,641.5 as it is."""
    return f"{value:,.0f}" if value == round(value) else f"{value:,.1f}"


def _print_weekends(roster: Roster) -> None:
    found = roster.weekend_range
    if found is not None:
        fewest, most = found
        console.print(f"Weekend shifts per clerk who can work weekends: {fewest} to {most}.")


def _print_shortages(roster: Roster) -> None:
    shortages = roster.shortages
    if not shortages:
        console.print("[green]Every window is staffed in every open hour.[/green]")
        return
    console.print(
        f"[red]Short of clerks: {_hours(roster.short_minutes / 60)} clerk-hours;[/red] hire or "
        "borrow these, or open fewer windows:"
    )
    for short in shortages:
        clerks = "clerk" if short.clerks == 1 else "clerks"
        console.print(
            f"  [red]{short.day} {hhmm(short.start)}–{hhmm(short.end)}: "
            f"{short.clerks} {clerks} short[/red]"
        )
