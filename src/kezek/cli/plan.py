"""kezek plan … and kezek simulate …: capacity planning from a scenario file.

The commands load the planner only when they run (``kezek.cli.plan_output``): every
``kezek serve`` worker imports this command line, and must not pay for NumPy, Numba and
matplotlib, which it never uses.
"""

from __future__ import annotations

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
) -> None:
    """When the backlog clears, the windows each office needs per deadline, and what-ifs."""
    from kezek.cli.plan_output import run_plan

    run_plan(scenario, out=out, replications=replications, processes=processes, language=lang.value)


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
