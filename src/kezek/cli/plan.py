"""kezek plan … and kezek simulate …: capacity planning from a scenario file.

The commands load the planner only when they run (``kezek.cli.plan_output``): every
``kezek serve`` worker imports this command line, and must not pay for NumPy, Numba and
matplotlib, which it never uses.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path

import typer

from kezek.i18n import LANGUAGES

ReportLanguage = StrEnum("ReportLanguage", {code: code for code in LANGUAGES})  # type: ignore[misc]

ScenarioArgument = typer.Argument(..., help="A scenario TOML file.", dir_okay=False)
RunsOption = typer.Option(
    None, "--replications", "-r", min=10, help="Simulated runs; the scenario's by default."
)
ProcessesOption = typer.Option(None, min=1, help="Worker processes; one per core by default.")


def plan(
    scenario: Path = ScenarioArgument,
    out: Path | None = typer.Option(
        None, help="Write report.html, report.json and the PNG charts into this directory."
    ),
    replications: int | None = RunsOption,
    processes: int | None = ProcessesOption,
    lang: ReportLanguage = typer.Option(
        "en", "--lang", help="The language of report.html: ky, ru or en."
    ),
    deadline: list[str] | None = typer.Option(
        None,
        "--deadline",
        help="A deadline instead of the scenario's (YYYY-MM-DD; repeat for several): when "
        "it moves, re-plan with it.",
    ),
    actual: bool = typer.Option(
        False,
        "--actual",
        help="Re-forecast from today with what the live system knows (the database of the "
        "settings): the backlog left, from the people served per office per day; the "
        "bookings ahead and the windows in service are shown beside it.",
    ),
    today: str | None = typer.Option(
        None, help="With --actual: the day to re-forecast from (YYYY-MM-DD); today by default."
    ),
) -> None:
    """When the backlog clears, the windows each office needs per deadline, and what-ifs."""
    from kezek.cli.plan_output import Replan, run_plan

    replan = Replan(
        deadlines=[_date("--deadline", text) for text in deadline or []],
        actual=actual,
        today=_date("--today", today) if today else None,
    )
    run_plan(
        scenario,
        out=out,
        replications=replications,
        processes=processes,
        language=lang.value,
        replan=replan,
    )


def _date(option: str, text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(
            f"'{text}' is not a date; write it as YYYY-MM-DD, e.g. 2025-09-10",
            param_hint=option,
        ) from None


def simulate(
    scenario: Path = ScenarioArgument,
    replications: int | None = RunsOption,
    processes: int | None = ProcessesOption,
    records: Path | None = typer.Option(
        None, help="Write one record per visit of the first run of each office to this CSV."
    ),
) -> None:
    """Simulate the offices at today's windows only, and show how the backlog fares."""
    from kezek.cli.plan_output import run_simulation

    run_simulation(scenario, replications=replications, processes=processes, records=records)
