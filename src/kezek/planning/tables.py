"""A plan as CSV tables, for a spreadsheet: windows per office per day and their hours,
what-ifs, sensitivity.

Plain comma-separated UTF-8 with a header row and ISO dates, so Excel, LibreOffice and a
ministry's own tools read them without the report.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from kezek.network.calendar import hhmm
from kezek.planning.planner import Plan

Row = Sequence[object]


def plan_tables(plan: Plan) -> dict[str, tuple[list[str], Iterable[Row]]]:
    """Each table's file name, header and rows; the workbook has the same, a sheet each."""
    return {
        "windows-per-day.csv": (
            ["deadline", "office", "date", "windows_today", "windows_recommended"],
            _windows_per_day(plan),
        ),
        # What a roster staffs (kezek roster): windows open in the same hours, a row each.
        "window-hours.csv": (
            ["deadline", "office", "date", "hours", "windows"],
            _window_hours(plan),
        ),
        "what-ifs.csv": (
            ["change", "office", "median", "likely", "fluid", "median_shift_days"],
            _what_ifs(plan),
        ),
        "sensitivity.csv": (
            ["assumption", "end", "value", "network_clears", *_by_deadline(plan)],
            _sensitivity(plan),
        ),
    }


def write_tables(plan: Plan, out: Path) -> list[Path]:
    """Write the plan's tables into ``out``; return their paths."""
    written = []
    for name, (header, rows) in plan_tables(plan).items():
        path = out / name
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows)
        written.append(path)
    return written


def _windows_per_day(plan: Plan) -> Iterable[Row]:
    for n, deadline in enumerate(plan.spec.scenario.deadlines):
        for office in plan.baseline.offices:
            recommended = office.recommendations[n].windows_per_day
            now = office.runs.windows_open
            for day, windows in enumerate(recommended):
                today = int(now[day]) if day < len(now) else ""
                yield deadline, office.code, plan.date(day), today, windows


def _window_hours(plan: Plan) -> Iterable[Row]:
    for n, deadline in enumerate(plan.spec.scenario.deadlines):
        for office in plan.baseline.offices:
            planned = office.recommendations[n].planned
            if planned is None:
                continue
            for day in range(len(office.recommendations[n].windows_per_day)):
                date = plan.date(day)
                alike = Counter(w.intervals for w in planned.windows_on(date) if w.intervals)
                for intervals, count in sorted(alike.items()):
                    yield deadline, office.code, date, clock_ranges(intervals), count


def clock_ranges(intervals: Iterable[tuple[int, int]]) -> str:
    """Local minutes as ``09:00-13:00 14:00-18:00``."""
    return " ".join(f"{hhmm(opens)}-{hhmm(closes)}" for opens, closes in intervals)


def _what_ifs(plan: Plan) -> Iterable[Row]:
    base = {office.code: office.clearance for office in plan.baseline.offices}
    for variant in [plan.baseline, *plan.what_ifs]:
        for office in variant.offices:
            seen = office.clearance
            before = base[office.code].median if office.code in base else None  # a new site
            shift = (seen.median - before).days if seen.median and before else ""
            yield (
                variant.name,
                office.code,
                _day(seen.median),
                _day(seen.likely),
                _day(seen.fluid),
                shift,
            )
        network = variant.network
        yield (
            variant.name,
            "network",
            _day(network.median),
            _day(network.likely),
            _day(network.fluid),
            "",
        )


def _by_deadline(plan: Plan) -> list[str]:
    return [f"windows_to_add_by_{d.isoformat()}" for d in plan.spec.scenario.deadlines]


def _sensitivity(plan: Plan) -> Iterable[Row]:
    found = plan.sensitivity
    if found is None:
        return
    yield (
        "as the scenario has it",
        "",
        "",
        _day(found.base.clearance),
        *_windows(found.base.windows),
    )
    for swing in found.ranked():
        assumption = swing.assumption
        for end, value, outlook in (
            ("low", assumption.low, swing.low),
            ("high", assumption.high, swing.high),
        ):
            yield (
                assumption.name,
                end,
                assumption.end(value),
                _day(outlook.clearance),
                *_windows(outlook.windows),
            )


def _windows(windows: Sequence[int | None]) -> list[object]:
    return ["out of reach" if n is None else n for n in windows]


def _day(day: dt.date | None) -> str:
    return day.isoformat() if day else ""
