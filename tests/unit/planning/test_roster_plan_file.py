"""Reading the plan's window-hours.csv into the windows needed, slot by slot."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from kezek.planning.roster_csv import RosterFileError
from kezek.planning.roster_need import busiest_month
from kezek.planning.roster_plan_file import read_window_hours

HEADER = "deadline,office,date,hours,windows\n"


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "window-hours.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(RosterFileError) as caught:
        read_window_hours(path)
    return [str(problem) for problem in caught.value.problems]


def test_rows_of_a_day_add_up_and_a_lunch_break_needs_no_window(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "2025-04-30,msk,2025-04-14,09:00-13:00 14:00-18:00,40\n"
        "2025-04-30,msk,2025-04-14,09:00-13:00 14:00-18:00 18:00-21:00,10\n",
    )

    [day] = read_window_hours(path).needs("msk", date(2025, 4, 30))

    by_start = {f"{s // 60:02d}:{s % 60:02d}": w for s, _, w in day.slots()}
    assert (day.opens, day.closes) == (9 * 60, 21 * 60)
    assert by_start["09:00"] == by_start["17:30"] == 50
    assert by_start["13:00"] == by_start["13:30"] == 0
    assert by_start["18:00"] == by_start["20:30"] == 10
    assert day.window_minutes == 40 * 8 * 60 + 10 * 11 * 60
    assert day.peak == 50


def test_slots_follow_the_half_hour_and_every_change_of_windows(tmp_path: Path) -> None:
    path = write(tmp_path, "2025-04-30,msk,2025-04-14,09:15-12:00 12:45-16:00,2\n")

    [day] = read_window_hours(path).needs("msk", date(2025, 4, 30))

    edges = [f"{p // 60:02d}:{p % 60:02d}" for p in day.points]
    assert edges[:3] == ["09:15", "09:30", "10:00"]
    assert "12:45" in edges and "13:00" in edges and edges[-1] == "16:00"


def test_deadlines_keep_the_plan_s_order_and_offices_are_listed(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "2025-06-30,spb,2025-04-14,09:00-18:00,3\n"
        "2025-04-30,msk,2025-04-14,09:00-18:00,5\n"
        "2025-04-30,spb,2025-04-15,09:00-18:00,4\n",
    )

    plan = read_window_hours(path)

    assert plan.deadlines == [date(2025, 6, 30), date(2025, 4, 30)]
    assert plan.offices == ["msk", "spb"]
    assert [n.day for n in plan.needs("spb", date(2025, 4, 30))] == [date(2025, 4, 15)]


def test_the_busiest_month_has_the_most_window_hours_not_the_most_days(tmp_path: Path) -> None:
    rows = [f"2025-06-30,msk,2025-04-{d:02d},09:00-13:00,2\n" for d in range(1, 11)]
    rows += [f"2025-06-30,msk,2025-05-{d:02d},09:00-18:00,3\n" for d in range(1, 4)]
    plan = read_window_hours(write(tmp_path, "".join(rows)))

    # April: 10 days of 8 window-hours; May: 3 days of 27.
    assert busiest_month(plan.needs("msk", date(2025, 6, 30))) == (
        date(2025, 5, 1),
        date(2025, 5, 31),
    )


def test_every_problem_with_its_line_field_and_fix(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "2025-04-30,msk,2025-04-14,09:00-13:00,2\n"
        "2025-04-31,msk,2025-04-14,09:00-13:00,2\n"
        "2025-04-30,,2025-04-14,14:00-13:00,0\n"
        "2025-04-30,msk,2025-04-15,09:00-13:00 12:00-18:00,two\n",
    )

    assert problems(path) == [
        f"{path}:3: deadline: '2025-04-31' is not a date; write it as 2025-04-10",
        f"{path}:4: office: is empty; give the office code, such as msk",
        f"{path}:4: hours: '14:00-13:00' closes before it opens; a range must stay within one "
        "day, so split a night shift into two ranges on two days",
        f"{path}:4: windows: is 0; give the windows open, 1 or more (omit closed days)",
        f"{path}:5: hours: 09:00-13:00 and 12:00-18:00 overlap or are out of order; write the "
        "ranges in time order, each after the last has closed",
        f"{path}:5: windows: 'two' is not a whole number; give the windows open, 1 or more",
    ]


def test_a_missing_column_is_named(tmp_path: Path) -> None:
    path = tmp_path / "window-hours.csv"
    path.write_text("deadline,office,date,hours\n2025-04-30,msk,2025-04-14,09:00-13:00\n")

    assert problems(path) == [
        f"{path}:1: (header): no 'windows' column; start it with the header line "
        "deadline,office,date,hours,windows"
    ]
