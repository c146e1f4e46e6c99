"""A roster as files for the office: ``roster-OFFICE.csv`` and ``roster-OFFICE.xlsx``.

The CSV is one row per shift, for other programs; the workbook is for the manager, with
the same rows, the coverage half hour by half hour, and each clerk's load.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

# xlsxwriter has no type information; its few calls here are checked by the tests.
import xlsxwriter  # type: ignore[import-untyped]
from xlsxwriter.worksheet import Worksheet  # type: ignore[import-untyped]

from kezek.network.calendar import WEEKDAYS, hhmm
from kezek.planning.roster_result import Roster

ROSTER_COLUMNS = ("date", "weekday", "clerk", "start", "end", "hours")
COVERAGE_COLUMNS = ("date", "weekday", "from", "to", "windows open", "clerks on shift", "short")
CLERK_COLUMNS = ("clerk", "days", "hours", "weekend shifts")

Cell = str | int | float


def hours(minutes: int) -> float | int:
    """9 rather than 9.0, 4.5 as it is."""
    value = round(minutes / 60, 2)
    return int(value) if value == int(value) else value


def roster_rows(roster: Roster) -> list[tuple[Cell, ...]]:
    """One row per shift, by date, then start, then clerk."""
    ordered = sorted(roster.assignments, key=lambda a: (a.shift.day, a.shift.start, a.clerk))
    return [
        (
            a.shift.day.isoformat(),
            WEEKDAYS[a.shift.day.weekday()],
            a.clerk,
            hhmm(a.shift.start),
            hhmm(a.shift.end),
            hours(a.shift.minutes),
        )
        for a in ordered
    ]


def coverage_rows(roster: Roster) -> list[tuple[Cell, ...]]:
    """Each slot of each day: the windows open, the clerks on shift, those missing."""
    rows: list[tuple[Cell, ...]] = []
    for need in roster.needs:
        day = need.day
        staffed = roster.staffed[day]
        for (start, end, windows), on in zip(need.slots(), staffed, strict=True):
            weekday = WEEKDAYS[day.weekday()]
            short = max(0, windows - on)
            rows.append((day.isoformat(), weekday, hhmm(start), hhmm(end), windows, on, short))
    return rows


def clerk_rows(roster: Roster) -> list[tuple[Cell, ...]]:
    """Every clerk of the file, in its order, with the days, hours and weekend shifts."""
    weekends = roster.weekend_shifts
    return [
        (
            clerk.name,
            len(roster.of(clerk.name)),
            hours(sum(shift.minutes for shift in roster.of(clerk.name))),
            weekends[clerk.name],
        )
        for clerk in roster.clerks
    ]


def write_csv(roster: Roster, path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(ROSTER_COLUMNS)
        writer.writerows(roster_rows(roster))
    return path


def write_workbook(roster: Roster, path: Path) -> Path:
    workbook = xlsxwriter.Workbook(str(path))
    try:
        bold = workbook.add_format({"bold": True})
        sheets = (
            ("roster", ROSTER_COLUMNS, roster_rows(roster)),
            ("coverage", COVERAGE_COLUMNS, coverage_rows(roster)),
            ("clerks", CLERK_COLUMNS, clerk_rows(roster)),
        )
        for name, columns, rows in sheets:
            _fill(workbook.add_worksheet(name), columns, rows, bold)
    finally:
        workbook.close()
    return path


def _fill(
    sheet: Worksheet, columns: Sequence[str], rows: Sequence[tuple[Cell, ...]], bold: object
) -> None:
    sheet.write_row(0, 0, columns, bold)
    for n, row in enumerate(rows, start=1):
        sheet.write_row(n, 0, row)
    sheet.freeze_panes(1, 0)  # the header stays in view down a month of shifts
    for column, title in enumerate(columns):
        widest = max([len(title), *(len(str(row[column])) for row in rows)])
        sheet.set_column(column, column, widest + 2)
