"""The plan's ``window-hours.csv``: the windows each office opens, when, per deadline.

``kezek plan SCENARIO --out DIR`` writes it; the roster reads it back. Its rows say "so many
windows are open in these hours on this day"; rows of one day add up.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from pathlib import Path
from typing import TypeVar

from kezek.network.calendar import TimeRange
from kezek.network.file import FileProblem
from kezek.planning.roster_csv import RosterFileError, Row, read_rows
from kezek.planning.roster_need import DayNeed, day_need

FILE_NAME = "window-hours.csv"
COLUMNS = ("deadline", "office", "date", "hours", "windows")

T = TypeVar("T")


@dataclass(frozen=True)
class WindowRow:
    deadline: date
    office: str
    day: date
    hours: tuple[TimeRange, ...]
    windows: int


@dataclass(frozen=True)
class WindowHours:
    rows: tuple[WindowRow, ...]

    @property
    def deadlines(self) -> list[date]:
        """In the order the plan gives them: the first is the default."""
        return list(dict.fromkeys(row.deadline for row in self.rows))

    @property
    def offices(self) -> list[str]:
        return sorted({row.office for row in self.rows})

    def needs(self, office: str, deadline: date) -> list[DayNeed]:
        """The office's open days for the deadline, in date order."""
        by_day: dict[date, list[tuple[Sequence[TimeRange], int]]] = {}
        for row in self.rows:
            if row.office == office and row.deadline == deadline:
                by_day.setdefault(row.day, []).append((row.hours, row.windows))
        return [day_need(day, by_day[day]) for day in sorted(by_day)]


def read_window_hours(path: Path) -> WindowHours:
    """The file's rows, or a ``RosterFileError`` with every problem in it."""
    rows, problems = read_rows(path, required=COLUMNS)
    found: list[WindowRow] = []
    for row in rows:
        parsed = _row(str(path), row, problems)
        if parsed is not None:
            found.append(parsed)
    if problems:
        raise RosterFileError(sorted(problems, key=lambda problem: problem.line or 0))
    return WindowHours(tuple(found))


def _row(source: str, row: Row, problems: list[FileProblem]) -> WindowRow | None:
    before = len(problems)

    def field(name: str, parse: Callable[[str], T]) -> T | None:
        try:
            return parse(row.cells[name])
        except ValueError as exc:
            problems.append(FileProblem(source, row.line, name, str(exc)))
            return None

    deadline = field("deadline", _date)
    office = field("office", _office)
    day = field("date", _date)
    hours = field("hours", _hours)
    windows = field("windows", _windows)
    if len(problems) > before:
        return None
    assert deadline is not None and office is not None and day is not None
    assert hours is not None and windows is not None
    return WindowRow(deadline, office, day, hours, windows)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"'{text}' is not a date; write it as 2025-04-10") from None


def _office(text: str) -> str:
    if not text:
        raise ValueError("is empty; give the office code, such as msk")
    return text


def _hours(text: str) -> tuple[TimeRange, ...]:
    if not text:
        raise ValueError("is empty; give the opening hours, such as 09:00-13:00 14:00-18:00")
    ranges = tuple(TimeRange.parse(part) for part in text.split())
    for earlier, later in pairwise(ranges):
        if later.opens < earlier.closes:
            raise ValueError(
                f"{earlier} and {later} overlap or are out of order; "
                "write the ranges in time order, each after the last has closed"
            )
    return ranges


def _windows(text: str) -> int:
    try:
        count = int(text)
    except ValueError:
        raise ValueError(
            f"'{text}' is not a whole number; give the windows open, 1 or more"
        ) from None
    if count < 1:
        raise ValueError(f"is {count}; give the windows open, 1 or more (omit closed days)")
    return count
