"""Reading the clerks file, as an office manager saves it from a spreadsheet, and every
problem it can have: FILE:LINE: field: what is wrong; the fix."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from kezek.planning.roster_clerks import Clerk, read_clerks
from kezek.planning.roster_csv import RosterFileError

HEADER = "clerk,weekdays,unavailable,max_days_per_week,max_hours_per_week\n"
EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "clerks" / "msk.csv"


def write(tmp_path: Path, text: str, *, encoding: str = "utf-8") -> Path:
    path = tmp_path / "clerks.csv"
    path.write_text(text, encoding=encoding)
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(RosterFileError) as caught:
        read_clerks(path)
    return [str(problem) for problem in caught.value.problems]


def test_only_the_clerk_column_is_needed_and_the_law_s_limits_are_the_defaults(
    tmp_path: Path,
) -> None:
    [clerk] = read_clerks(write(tmp_path, "clerk\nАсанова Айгуль\n"))

    assert clerk == Clerk("Асанова Айгуль")
    assert clerk.weekdays == frozenset(range(7))
    assert (clerk.max_days_per_week, clerk.max_minutes_per_week) == (5, 40 * 60)


def test_every_column_in_any_order(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "max_hours_per_week,clerk,unavailable,weekdays,max_days_per_week\n"
        '20.5,017,2025-04-10 2025-04-14..2025-04-16,"Mon,tue, SAT",3\n',
    )

    [clerk] = read_clerks(path)

    assert clerk.name == "017"
    assert clerk.weekdays == frozenset({0, 1, 5})
    assert clerk.unavailable == {date(2025, 4, 10), *(date(2025, 4, d) for d in (14, 15, 16))}
    assert (clerk.max_days_per_week, clerk.max_minutes_per_week) == (3, 20 * 60 + 30)


def test_what_excel_saves_in_a_russian_locale(tmp_path: Path) -> None:
    # A byte-order mark, semicolons between the cells, a decimal comma.
    path = write(tmp_path, "\ufeffclerk;max_hours_per_week\n001;37,5\n\n002;\n")

    assert [(c.name, c.max_minutes_per_week) for c in read_clerks(path)] == [
        ("001", 37 * 60 + 30),
        ("002", 40 * 60),
    ]


def test_the_example_office_s_clerks_read_cleanly() -> None:
    clerks = read_clerks(EXAMPLE)

    assert len(clerks) == 100
    assert any(c.max_days_per_week < 5 for c in clerks)
    assert any(5 not in c.weekdays for c in clerks)
    assert any(c.unavailable for c in clerks)


def test_an_unknown_column_is_refused_with_the_known_ones(tmp_path: Path) -> None:
    path = write(tmp_path, "clerk,phone\n001,+79160000000\n")

    assert problems(path) == [
        f"{path}:1: (header): unknown column 'phone'; the columns are clerk, weekdays, "
        "unavailable, max_days_per_week, max_hours_per_week: rename or remove it"
    ]


def test_a_header_without_the_clerk_column_or_with_a_column_twice(tmp_path: Path) -> None:
    path = write(tmp_path, "weekdays,weekdays\nmon,tue\n")

    assert problems(path) == [
        f"{path}:1: (header): column 'weekdays' appears twice; keep one",
        f"{path}:1: (header): no 'clerk' column; start it with the header line "
        "clerk,weekdays,unavailable,max_days_per_week,max_hours_per_week",
    ]


def test_an_empty_file_an_unreadable_one_and_one_not_in_utf8(tmp_path: Path) -> None:
    empty = write(tmp_path, "\n")
    assert problems(empty) == [
        f"{empty}: (file): is empty; start it with the header line "
        "clerk,weekdays,unavailable,max_days_per_week,max_hours_per_week"
    ]
    missing = tmp_path / "nowhere.csv"
    assert problems(missing) == [f"{missing}: (file): cannot be read: No such file or directory"]
    latin = write(tmp_path, "clerk\nАсанова\n", encoding="cp1251")
    assert problems(latin) == [f"{latin}: (file): is not UTF-8 text; save it as CSV UTF-8"]


def test_a_header_and_no_clerk(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER)

    assert problems(path) == [f"{path}: (file): lists no clerk; add one line per clerk"]


def test_every_problem_of_every_line_at_once(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        HEADER + "Asel,mon tue xyz,,,\n"
        ",mon,,,\n"
        "Asel,,2025-04-14..2025-04-10,6,50\n"
        "Bek,,2025-13-01,x,0\n"
        "Chynara,,2025-01-01..2026-06-01,0,many\n"
        "Dinara,,,,,extra\n",
    )

    assert problems(path) == [
        f"{path}:2: weekdays: 'xyz' is not a day; write three-letter days such as mon tue "
        "wed thu fri, or leave it empty for any day",
        f"{path}:3: clerk: is empty; give a name or staff number",
        f"{path}:4: clerk: 'Asel' is already on line 2; give each clerk a different name or "
        "staff number",
        f"{path}:4: unavailable: '2025-04-14..2025-04-10' ends before it starts; write the "
        "earlier date first",
        f"{path}:4: max_days_per_week: is 6; give 1 to 5 days (the law allows at most 5 days "
        "a week)",
        f"{path}:4: max_hours_per_week: is 50; give more than 0 and at most 40 hours (the law "
        "allows at most 40 hours a week)",
        f"{path}:5: unavailable: '2025-13-01' is not a date or a range; write dates such as "
        "2025-04-10 or ranges such as 2025-04-10..2025-04-14, separated by spaces",
        f"{path}:5: max_days_per_week: 'x' is not a whole number; give the days a week, 1 to 5",
        f"{path}:5: max_hours_per_week: is 0; give more than 0 and at most 40 hours (the law "
        "allows at most 40 hours a week)",
        f"{path}:6: unavailable: '2025-01-01..2026-06-01' spans more than a year; check the "
        "dates, or leave the clerk out",
        f"{path}:6: max_days_per_week: is 0; give 1 to 5 days (the law allows at most 5 days "
        "a week)",
        f"{path}:6: max_hours_per_week: 'many' is not a number; give the hours a week, such as "
        "40 or 20.5",
        f'{path}:7: (row): has 6 cells for 5 columns; quote a value that holds a ",", or '
        "remove the extra cells",
    ]
