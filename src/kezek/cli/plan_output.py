"""What `kezek plan` and `kezek simulate` do and print; loaded only when one of them runs.

It brings NumPy, Numba and matplotlib with it, which a server process never needs.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

import numpy as np
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from kezek.cli.file_problems import refuse
from kezek.network.spec import NetworkSpec
from kezek.planning.actuals import Actuals, ReplanError, reforecast, with_deadlines
from kezek.planning.lead_time import LeadTimes
from kezek.planning.office_model import RECORD_FIELDS, simulate_office
from kezek.planning.planner import (
    Clearance,
    OfficeOutcome,
    Plan,
    Variant,
    make_plan,
    simulate_today,
)
from kezek.planning.reach import OutOfReach
from kezek.planning.scenario import (
    ScenarioFileError,
    ScenarioInfo,
    ScenarioSpec,
    english,
    read_scenario,
)
from kezek.planning.scenario_offices import planning_offices
from kezek.planning.sensitivity import Sensitivity

console = Console(soft_wrap=True)


def _read(path: Path) -> tuple[ScenarioSpec, NetworkSpec]:
    try:
        return read_scenario(path)
    except ScenarioFileError as exc:
        refuse(exc.problems, tail="; nothing was run.")


class _Bars:
    """One progress bar per stage of the plan."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[str, object] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        if done == 0:
            self.tasks[stage] = self.progress.add_task(stage, total=total)
        else:
            self.progress.advance(self.tasks[stage], done)  # type: ignore[arg-type]


def _bars() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("runs"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


@dataclass(frozen=True)
class Replan:
    """A plan made again: with moved deadlines, or from today with the live figures."""

    deadlines: list[dt.date] = field(default_factory=list)
    actual: bool = False
    today: dt.date | None = None


def run_plan(
    scenario: Path,
    *,
    out: Path | None,
    replications: int | None,
    processes: int | None,
    language: str = "en",
    replan: Replan | None = None,
) -> None:
    spec, network = _read(scenario)
    spec, actuals = _replanned(spec, network, replan or Replan())
    began = time.perf_counter()
    with _bars() as progress:
        result = make_plan(
            spec,
            network,
            processes=processes,
            progress=_Bars(progress),
            replications=replications,
        )
    result.actuals = actuals
    if actuals is not None:
        _print_actuals(actuals, spec)
    took = time.perf_counter() - began
    console.print(f"\n[bold]{english(spec.scenario.name)}[/bold]")
    _print_today(result.baseline, spec)
    _print_recommendations(result)
    _print_what_ifs(result)
    for found in result.lead_times:
        _print_lead_times(found)
    if result.sensitivity is not None:
        _print_sensitivity(result.sensitivity, spec)
    for note in result.notes:
        console.print(f"[yellow]Note:[/] {note}")
    runs = result.baseline.offices[0].runs.runs
    cores = processes or os.cpu_count() or 1  # as the runs are spread (kezek.planning.runs)
    spread = f"{cores} process" if cores == 1 else f"{cores} processes"
    console.print(f"{runs} runs per variant in {took:.1f} s on {spread}.")
    if out is not None:
        # matplotlib takes a second and a half to load: only for the charts.
        from kezek.planning.report import write_report

        paths = write_report(result, out, network=network, language=language)
        console.print("Wrote " + ", ".join(str(path) for path in paths))


def _replanned(
    spec: ScenarioSpec, network: NetworkSpec, replan: Replan
) -> tuple[ScenarioSpec, Actuals | None]:
    """The scenario with moved deadlines, or from today; a request that cannot be met
    is said with its option and the fix, and nothing is run."""
    if replan.today is not None and not replan.actual:
        _refuse("--today is read only with --actual; add --actual")
    try:
        if not replan.actual:
            return (with_deadlines(spec, replan.deadlines) if replan.deadlines else spec), None
        from kezek.cli.plan_actual import read_actuals

        actuals = read_actuals(spec, network, replan.today)
        moved = replan.deadlines or None
        return reforecast(spec, actuals.offices, today=actuals.today, deadlines=moved), actuals
    except ReplanError as exc:
        _refuse(str(exc))


def _refuse(message: str) -> NoReturn:
    console.print(f"[red]Error:[/] {message}; nothing was run.")
    raise typer.Exit(1)


def _print_actuals(actuals: Actuals, spec: ScenarioSpec) -> None:
    table = Table(title=f"What the live system knows, {actuals.start} to {actuals.today}")
    for column in ("office", "served", "backlog left (estimate)", "booked ahead", "windows"):
        table.add_column(column, justify="left" if column == "office" else "right")
    for code, actual in actuals.offices.items():
        table.add_row(
            code,
            f"{actual.served:,}",
            f"{actual.backlog_left:,.0f}",
            f"{actual.booked_ahead:,}",
            "—" if actual.windows is None else str(actual.windows),
        )
    _show(table)
    console.print(
        f"Re-forecast from {spec.scenario.start} for "
        + ", ".join(str(day) for day in spec.scenario.deadlines)
        + ". Those served less the walk-in newcomers of each open day count as of the "
        "backlog: the live system cannot tell who was."
    )


def run_simulation(
    scenario: Path, *, replications: int | None, processes: int | None, records: Path | None
) -> None:
    spec, network = _read(scenario)
    with _bars() as progress:
        today = simulate_today(
            spec, network, processes=processes, progress=_Bars(progress), replications=replications
        )
    _print_today(today, spec)
    table = Table(title="Per open day, mean over runs")
    for column in ("office", "served", "gave up and came back", "busiest hour", "in line then"):
        table.add_column(column, justify="left" if column == "office" else "right")
    for office in today.offices:
        runs = office.runs
        per_day = runs.queue_by_hour / max(runs.open_days, 1)
        busiest = int(np.argmax(per_day))
        table.add_row(
            office.code,
            f"{runs.served.sum() / max(runs.open_days, 1):.0f}",
            f"{runs.gave_up / max(runs.open_days, 1):.1f}",
            f"{busiest:02d}:00",
            f"{per_day[busiest]:.0f}",
        )
    _show(table)
    if records is not None:
        written = _write_records(spec, network, records)
        console.print(f"Wrote {written:,} visits to {records}")


def _write_records(spec: ScenarioSpec, network: NetworkSpec, path: Path) -> int:
    offices = planning_offices(spec, network)
    info = spec.scenario
    count = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["office", *RECORD_FIELDS])
        for stream, (code, office) in enumerate(offices.items()):
            model = office.model(start=info.start, days=info.horizon_days)
            seed = np.random.SeedSequence(info.seed, spawn_key=(stream,)).spawn(1)[0]
            run = simulate_office(
                model, rng=np.random.default_rng(seed), stop_when_cleared=True, keep_records=True
            )
            assert run.records is not None
            columns = [run.records[name].tolist() for name in RECORD_FIELDS]
            for row in zip(*columns, strict=True):
                writer.writerow([code, *(_cell(value) for value in row)])
                count += 1
    return count


def _cell(value: object) -> object:
    if isinstance(value, float):
        return "" if value != value else round(value, 2)  # NaN: not served
    return value


def _day(day: dt.date | None, horizon: int) -> str:
    return day.isoformat() if day else f"not within {horizon} days"


def _shares(clearance: Clearance, style_at: float) -> list[str]:
    return [f"[{'green' if s >= style_at else 'red'}]{s:.0%}[/]" for s in clearance.by_deadline]


def _print_today(today: Variant, spec: ScenarioSpec) -> None:
    info = spec.scenario
    horizon = info.horizon_days
    table = Table(title=f"At today's windows, from {info.start}: when does the backlog clear?")
    columns = ["office", "backlog", "new/day", "windows", "places/day", "fluid", "median"]
    columns += [f"{info.confidence:.0%} sure", *(f"by {d}" for d in today.deadlines)]
    for column in columns:
        table.add_column(column, justify="left" if column == "office" else "right")
    for office in today.offices:
        table.add_row(
            office.code,
            f"{office.backlog:,}",
            f"{office.demand_per_day:.0f}",
            str(office.windows_now),
            f"{office.places_per_day:.0f}",
            _day(office.clearance.fluid, horizon),
            _day(office.clearance.median, horizon),
            _day(office.clearance.likely, horizon),
            *_shares(office.clearance, info.confidence),
        )
    network = today.network
    table.add_row(
        "[bold]network[/]",
        f"{sum(o.backlog for o in today.offices):,}",
        f"{sum(o.demand_per_day for o in today.offices):.0f}",
        str(sum(o.windows_now for o in today.offices)),
        f"{sum(o.places_per_day for o in today.offices):.0f}",
        _day(network.fluid, horizon),
        _day(network.median, horizon),
        _day(network.likely, horizon),
        *_shares(network, info.confidence),
    )
    _show(table)


def _print_recommendations(result: Plan) -> None:
    info = result.spec.scenario
    base = result.baseline
    for n, deadline in enumerate(info.deadlines):
        table = Table(title=f"To clear by {deadline}, {info.confidence:.0%} sure")
        for column in (
            "office",
            "windows now",
            "+ booked",
            "+ walk-in",
            "+ door",
            "in all",
            "fluid rule",
            "extra hours",
            "planned sure",
            "cleared in time",
            f"walk-ins ≤ {info.wait_within_minutes:.0f} min",
        ):
            table.add_column(column, justify="left" if column == "office" else "right")
        for office in base.offices:
            rec = office.recommendations[n]
            reach = rec.out_of_reach is None
            table.add_row(
                office.code,
                str(office.windows_now),
                str(rec.booked_windows) if reach else "—",
                str(rec.walk_in_windows) if reach else "—",
                str(rec.door_windows) if reach else "—",
                f"[bold]{office.windows_now + rec.added_windows}[/]"
                if reach
                else "[red]out of reach[/]",
                str(rec.fluid_windows) if reach else "—",
                _extras(rec.extras) if reach else "—",
                f"{rec.confidence:.1%}" if reach and office.backlog else "—",
                f"[{'green' if rec.met else 'red'}]{rec.cleared_share:.0%}[/]",
                f"{rec.walk_in_within:.0%}",
            )
        _show(table)
        cleared = base.recommended_cleared[n]
        colour = "green" if cleared >= info.confidence else "red"
        console.print(
            f"The whole network clears in time in [{colour}]{cleared:.0%}[/] of runs. "
            f"As planned: {base.planned_confidence(n):.1%}, the product of the offices' "
            "chances, as their runs are independent; an office cheap to make surer lets a "
            "dear one be planned less surely."
        )
        console.print(_window_days(base, n))
        for office in base.offices:
            beyond = office.recommendations[n].out_of_reach
            if beyond is not None:
                console.print(f"[red]{office.code}:[/] {why_out_of_reach(office, beyond, info)}")


def _extras(extras: frozenset[str]) -> str:
    return ", ".join(name for name in ("saturdays", "evenings") if name in extras) or "—"


def _working(extras: frozenset[str]) -> str:
    return f", working {_extras(extras).replace(', ', ' and ')}" if extras else ""


def _window_days(base: Variant, n: int) -> str:
    """The added window-days, as staff-days, and their cost where the scenario gives it."""
    added = base.added(n)
    said = (
        f"Added: {added.window_days:,} window-days, that is {added.window_days:,} staff-days "
        "of one clerk a window"
    )
    if round(added.weighted_days) != added.window_days:
        said += (
            f", {added.staff_hours:,.0f} staff-hours; with Saturdays and evenings paid more, "
            f"they weigh as {added.weighted_days:,.0f} usual window-days"
        )
    if added.cost is None:
        return said + " (give window_day_cost per office for the cost)."
    said += f"; they cost {added.cost:,.0f}"
    if added.per_person is not None:
        said += f", {added.per_person:,.2f} per person of the backlog served"
    if not added.every_office_costed:
        said += " (offices without window_day_cost not counted)"
    return said + "."


def why_out_of_reach(office: OfficeOutcome, beyond: OutOfReach, info: ScenarioInfo) -> str:
    earliest = _day(beyond.earliest, info.horizon_days)
    if beyond.reason == "misses":
        return (
            f"out of reach. Even with a place for everyone on every open day, "
            f"{beyond.no_show:.0%} of those booked miss their time and book again, so it takes "
            f"{beyond.open_days} open days to serve the last of the {beyond.backlog:,}; the "
            f"earliest date within reach: {earliest}."
        )
    if beyond.reason == "door":
        return (
            "out of reach: those of the backlog who walk in at the door still come after the "
            f"deadline (door_days); the earliest date: {earliest}."
        )
    if beyond.reason == "closed":
        return f"out of reach: the office is not open soon enough; the earliest date: {earliest}."
    if beyond.reason == "late":
        return (
            f"out of reach: added windows open only from {beyond.opens_on}, after the "
            f"deadline; with today's windows the backlog clears: {earliest}."
        )
    if beyond.reason == "premises":
        return (
            f"out of reach with the {office.windows_now + (beyond.limit or 0)} windows the "
            f"premises hold{_working(beyond.extras)}; the earliest date with all of them: "
            f"{earliest}."
        )
    return (
        f"out of reach even with {beyond.limit} more windows{_working(beyond.extras)}, the most "
        "the planner adds where the scenario gives no max_windows; the earliest date with "
        f"them: {earliest}."
    )


def _show(table: Table) -> None:
    """Print a table at its full width, so a narrow terminal or a pipe never cuts a date."""
    natural = console.measure(table, options=console.options.update_width(1_000)).maximum
    width = console.width
    console.width = max(width, natural)
    try:
        console.print(table)
    finally:
        console.width = width


def _print_what_ifs(result: Plan) -> None:
    info = result.spec.scenario
    horizon = info.horizon_days
    base = result.baseline
    table = Table(title="What if… (median clearance; the offices the change moves)")
    for column in ("change", "offices", "network", "cleared by the deadline"):
        table.add_column(column, justify="left")
    for variant in [base, *result.what_ifs]:
        before = {office.code: office.clearance for office in base.offices}
        moved = [
            f"{o.code} {_day(o.clearance.median, horizon)}"
            + (_shift(o.clearance, before[o.code]) if o.code in before else " (a new site)")
            for o in variant.offices
            if variant is base
            or o.code not in before
            or o.clearance.median != before[o.code].median
        ]
        table.add_row(
            variant.name,
            "\n".join(moved) or "no office moves",
            _day(variant.network.median, horizon) + _shift(variant.network, base.network),
            "\n".join(
                f"{d}: {share}"
                for d, share in zip(
                    variant.deadlines, _shares(variant.network, info.confidence), strict=True
                )
            ),
        )
    _show(table)


def _print_lead_times(found: LeadTimes) -> None:
    table = Table(
        title=f"Windows to add to clear by {found.deadline}, if they can open from… (fluid rule)"
    )
    table.add_column("office", justify="left")
    for day in found.opens:
        table.add_column(day.isoformat(), justify="right")
    for code, windows in found.windows.items():
        table.add_row(code, *(_added(n) for n in windows))
    _show(table)


def _print_sensitivity(found: Sensitivity, spec: ScenarioSpec) -> None:
    info = spec.scenario
    horizon = info.horizon_days
    table = Table(title="What matters most (the fluid rule, one assumption at a time)")
    columns = ["assumption", "low / high", "clears (low)", "clears (high)", "days apart"]
    columns += [f"windows to add by {d}" for d in info.deadlines]
    for column in columns:
        table.add_column(column, justify="left" if column == "assumption" else "right")
    table.add_row(
        "as the scenario has it",
        "",
        _day(found.base.clearance, horizon),
        "",
        "",
        *(_added(n) for n in found.base.windows),
    )
    for swing in found.ranked():
        assumption = swing.assumption
        table.add_row(
            assumption.name,
            f"{assumption.end(assumption.low)} / {assumption.end(assumption.high)}",
            _day(swing.low.clearance, horizon),
            _day(swing.high.clearance, horizon),
            str(swing.days(found.horizon)),
            *(
                f"{_added(low)} / {_added(high)}"
                for low, high in zip(swing.low.windows, swing.high.windows, strict=True)
            ),
        )
    _show(table)
    top = found.ranked()[0]
    console.print(
        f"The clearance date moves most with the {top.assumption.name}: "
        f"{top.days(found.horizon)} days between {top.assumption.end(top.assumption.low)} and "
        f"{top.assumption.end(top.assumption.high)}."
    )


def _added(windows: int | None) -> str:
    return "out of reach" if windows is None else f"+{windows}"


def _shift(now: Clearance, before: Clearance) -> str:
    if now.median is None or before.median is None or now.median == before.median:
        return ""
    return f" ({(now.median - before.median).days:+d} d)"
