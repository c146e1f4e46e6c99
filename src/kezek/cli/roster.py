"""kezek roster …: clerk shifts from the windows a plan opens.

The command loads the roster model only when it runs (``kezek.cli.roster_output``): every
``kezek serve`` worker imports this command line, and must not pay for OR-Tools.
"""

from __future__ import annotations

from pathlib import Path

import typer

from kezek.cli.plan import ReportLanguage


def roster(
    plan_dir: Path = typer.Argument(
        ..., help="The directory `kezek plan SCENARIO --out DIR` wrote.", file_okay=False
    ),
    office: str = typer.Argument(..., help="The office code, such as msk."),
    clerks: Path = typer.Option(
        ...,
        "--clerks",
        help="A CSV file, one clerk a line: clerk, and optionally weekdays, unavailable, "
        "max_days_per_week, max_hours_per_week.",
        dir_okay=False,
    ),
    deadline: str | None = typer.Option(
        None, help="The plan's recommendation to staff, by its deadline; the first by default."
    ),
    first: str | None = typer.Option(
        None, "--from", help="The first day to roster; the busiest month's first by default."
    ),
    last: str | None = typer.Option(
        None, "--to", help="The last day to roster; the busiest month's last by default."
    ),
    min_hours: float = typer.Option(4.0, min=0.5, max=24, help="The shortest shift, in hours."),
    max_hours: float = typer.Option(
        9.0, min=0.5, max=24, help="The longest shift, in hours, a lunch break included."
    ),
    seconds: float = typer.Option(
        25.0, min=1, help="Time for the solver; it returns the best roster found by then."
    ),
    out: Path | None = typer.Option(
        None, help="Write roster-OFFICE.csv, .xlsx and .png here; PLAN_DIR by default."
    ),
    lang: ReportLanguage = typer.Option(
        "en", "--lang", help="The language of the chart: ky, ru or en."
    ),
) -> None:
    """Clerk shifts that staff the windows a plan opens, with the fewest clerk-hours."""
    from kezek.cli.roster_output import RosterRequest, run_roster

    run_roster(
        RosterRequest(
            plan_dir=plan_dir,
            office=office,
            clerks=clerks,
            deadline=deadline,
            first=first,
            last=last,
            min_hours=min_hours,
            max_hours=max_hours,
            seconds=seconds,
            out=out if out is not None else plan_dir,
            language=lang.value,
        )
    )
