"""The clerks file: who can staff a window, on which days, and how much a week.

Office managers keep it in a spreadsheet and save it as CSV, so only the ``clerk`` column is
required, the columns come in any order, and the limits default to the law's: five days
and forty hours a week.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TypeVar

from kezek.network.calendar import WEEKDAYS
from kezek.network.file import FileProblem
from kezek.planning.roster_csv import RosterFileError, Row, read_rows

COLUMNS = ("clerk", "weekdays", "unavailable", "max_days_per_week", "max_hours_per_week")
DAYS_BY_LAW = 5
HOURS_BY_LAW = 40
LONGEST_ABSENCE_DAYS = 366  # a range longer than a year is a typing error, not a holiday

T = TypeVar("T")


@dataclass(frozen=True)
class Clerk:
    name: str
    weekdays: frozenset[int] = frozenset(range(7))  # Monday is 0, as date.weekday()
    unavailable: frozenset[date] = frozenset()
    max_days_per_week: int = DAYS_BY_LAW
    max_minutes_per_week: int = HOURS_BY_LAW * 60

    def can_work(self, day: date) -> bool:
        return day.weekday() in self.weekdays and day not in self.unavailable


def read_clerks(path: Path) -> list[Clerk]:
    """The clerks in file order, or a ``RosterFileError`` with every problem in the file."""
    source = str(path)
    rows, problems = read_rows(path, required=COLUMNS[:1], optional=COLUMNS[1:])
    clerks: list[Clerk] = []
    first_line: dict[str, int] = {}
    for row in rows:
        name = row.cells["clerk"]
        if not name:
            problems.append(
                FileProblem(source, row.line, "clerk", "is empty; give a name or staff number")
            )
        elif name in first_line:
            problems.append(
                FileProblem(
                    source,
                    row.line,
                    "clerk",
                    f"'{name}' is already on line {first_line[name]}; give each clerk a "
                    "different name or staff number",
                )
            )
        else:
            first_line[name] = row.line
        clerk = _clerk(source, row, problems)
        if clerk is not None:
            clerks.append(clerk)
    if problems:
        raise RosterFileError(sorted(problems, key=lambda problem: problem.line or 0))
    if not clerks:
        raise RosterFileError(
            [FileProblem(source, None, "(file)", "lists no clerk; add one line per clerk")]
        )
    return clerks


def _clerk(source: str, row: Row, problems: list[FileProblem]) -> Clerk | None:
    before = len(problems)

    def field(name: str, parse: Callable[[str], T], default: T) -> T:
        text = row.cells[name]
        if not text:
            return default
        try:
            return parse(text)
        except ValueError as exc:
            problems.append(FileProblem(source, row.line, name, str(exc)))
            return default

    weekdays = field("weekdays", _weekdays, frozenset(range(7)))
    unavailable = field("unavailable", _unavailable, frozenset[date]())
    days = field("max_days_per_week", _days, DAYS_BY_LAW)
    minutes = field("max_hours_per_week", _minutes, HOURS_BY_LAW * 60)
    if len(problems) > before or not row.cells["clerk"]:
        return None
    return Clerk(row.cells["clerk"], weekdays, unavailable, days, minutes)


def _weekdays(text: str) -> frozenset[int]:
    days = set()
    for word in re.split(r"[\s,;]+", text.strip().lower()):
        if word not in WEEKDAYS:
            raise ValueError(
                f"'{word}' is not a day; write three-letter days such as mon tue wed thu fri, "
                "or leave it empty for any day"
            )
        days.add(WEEKDAYS.index(word))
    return frozenset(days)


def _unavailable(text: str) -> frozenset[date]:
    days: set[date] = set()
    for part in re.split(r"[\s,;]+", text.strip()):
        first_text, _, last_text = part.partition("..")
        first = _iso(first_text, part)
        last = _iso(last_text, part) if last_text else first
        if last < first:
            raise ValueError(f"'{part}' ends before it starts; write the earlier date first")
        if (last - first).days >= LONGEST_ABSENCE_DAYS:
            raise ValueError(
                f"'{part}' spans more than a year; check the dates, or leave the clerk out"
            )
        days.update(first + timedelta(days=n) for n in range((last - first).days + 1))
    return frozenset(days)


def _iso(text: str, part: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"'{part}' is not a date or a range; write dates such as 2025-04-10 or ranges "
            "such as 2025-04-10..2025-04-14, separated by spaces"
        ) from None


def _days(text: str) -> int:
    try:
        days = int(text)
    except ValueError:
        raise ValueError(
            f"'{text}' is not a whole number; give the days a week, 1 to {DAYS_BY_LAW}"
        ) from None
    if not 1 <= days <= DAYS_BY_LAW:
        raise ValueError(
            f"is {days}; give 1 to {DAYS_BY_LAW} days (the law allows at most "
            f"{DAYS_BY_LAW} days a week)"
        )
    return days


def _minutes(text: str) -> int:
    try:
        hours = float(text.replace(",", "."))  # 37,5 as a Russian spreadsheet writes it
    except ValueError:
        raise ValueError(
            f"'{text}' is not a number; give the hours a week, such as 40 or 20.5"
        ) from None
    if not 0 < hours <= HOURS_BY_LAW:
        raise ValueError(
            f"is {text}; give more than 0 and at most {HOURS_BY_LAW} hours (the law allows "
            f"at most {HOURS_BY_LAW} hours a week)"
        )
    return round(hours * 60)
