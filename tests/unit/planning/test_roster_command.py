"""kezek roster, as a manager runs it on a plan's directory."""

from __future__ import annotations

import csv
import re
import zipfile
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kezek.cli.main import app

runner = CliRunner()

WEEK = [date(2025, 4, d) for d in range(14, 19)]  # Monday to Friday
SATURDAY = date(2025, 4, 19)
CLERKS = (
    "clerk,weekdays,unavailable,max_days_per_week,max_hours_per_week\n"
    "Асанова Айгуль,,,,\n"
    "Бакиев Бекзат,,2025-04-16,,\n"
    "Исакова Динара,mon tue wed thu fri,,,\n"
    "Касымов Марат,,,4,32\n"
    "Осмонова Жылдыз,,,,\n"
    "Садыков Улан,,,3,24\n"
)


def plan_dir(tmp_path: Path) -> Path:
    """A plan for two deadlines: three windows a weekday at msk for the first, one for the
    second, two on a Saturday; a day in March; a second office."""
    rows = ["deadline,office,date,hours,windows"]
    for day in WEEK:
        rows.append(f"2025-04-30,msk,{day},09:00-13:00 14:00-18:00,3")
        rows.append(f"2025-06-30,msk,{day},09:00-13:00 14:00-18:00,1")
        rows.append(f"2025-04-30,spb,{day},09:00-18:00,2")
    rows.append(f"2025-04-30,msk,{SATURDAY},10:00-16:00,2")
    rows.append("2025-04-30,msk,2025-03-31,09:00-13:00,1")
    folder = tmp_path / "plan"
    folder.mkdir()
    (folder / "window-hours.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return folder


def clerks_file(tmp_path: Path, text: str = CLERKS) -> Path:
    path = tmp_path / "clerks.csv"
    path.write_text(text, encoding="utf-8")
    return path


def roster(tmp_path: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(
        app,
        ["roster", *args, "--seconds", "10"],
        env={"COLUMNS": "200"},
    )
    # Errors come in a box: read them as one line of words.
    return result.exit_code, " ".join(re.sub(r"[│╭╮╰╯─]", " ", result.output).split())


def needed(day: date, start: int, plan: Path, deadline: str = "2025-04-30") -> int:
    """The windows open at ``start`` minutes on ``day``, read from the plan's file."""
    with (plan / "window-hours.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    total = 0
    for row in rows:
        if row["office"] != "msk" or row["deadline"] != deadline or row["date"] != str(day):
            continue
        for hours in row["hours"].split():
            opens, closes = (_minutes(part) for part in hours.split("-"))
            total += int(row["windows"]) if opens <= start < closes else 0
    return total


def _minutes(hhmm: str) -> int:
    return int(hhmm[:2]) * 60 + int(hhmm[3:])


def shifts(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_the_roster_staffs_every_window_and_is_written_three_ways(tmp_path: Path) -> None:
    plan, out = plan_dir(tmp_path), tmp_path / "out"

    code, said = roster(
        tmp_path, str(plan), "msk", "--clerks", str(clerks_file(tmp_path)), "--out", str(out)
    )

    assert code == 0, said
    assert (
        "Roster for msk, the plan for the deadline 2025-04-30: 2025-04-14 to 2025-04-19, "
        "6 open days, 6 clerks." in said
    )
    assert re.search(
        r"Clerk-hours: [\d,.]+ for 132 window-hours, the fewest a roster that staffs every "
        r"window can have: a ratio of 1\.\d{3}\.",
        said,
    )
    assert "No roster has fewer clerk-hours (proven)." in said
    assert re.search(r"Clerks used: \d of 6\.", said)
    assert "Weekend shifts per clerk who can work weekends: 0 to 1." in said
    assert "Every window is staffed in every open hour." in said
    assert "proven optimal" in said
    rows = shifts(out / "roster-msk.csv")
    assert list(rows[0]) == ["date", "weekday", "clerk", "start", "end", "hours"]
    assert rows == sorted(rows, key=lambda r: (r["date"], r["start"], r["clerk"]))
    for row in rows:
        day = date.fromisoformat(row["date"])
        assert row["weekday"] == ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[day.weekday()]
        assert float(row["hours"]) * 60 == _minutes(row["end"]) - _minutes(row["start"])
    assert Counter(r["date"] for r in rows).keys() == {str(d) for d in (*WEEK, SATURDAY)}
    for day in (*WEEK, SATURDAY):
        on_day = [r for r in rows if r["date"] == str(day)]
        for start in range(0, 24 * 60, 30):
            staffed = sum(_minutes(r["start"]) <= start < _minutes(r["end"]) for r in on_day)
            assert staffed >= needed(day, start, plan), (day, start)
    assert not any(r["clerk"] == "Бакиев Бекзат" and r["date"] == "2025-04-16" for r in rows)
    assert (out / "roster-msk.png").read_bytes().startswith(b"\x89PNG")
    assert (
        f"Wrote {out / 'roster-msk.csv'}, {out / 'roster-msk.xlsx'}, {out / 'roster-msk.png'}"
        in said
    )


def test_the_workbook_has_the_roster_the_coverage_and_the_clerks(tmp_path: Path) -> None:
    plan = plan_dir(tmp_path)

    code, said = roster(tmp_path, str(plan), "msk", "--clerks", str(clerks_file(tmp_path)))

    assert code == 0, said
    # Written into the plan's directory by default.
    with zipfile.ZipFile(plan / "roster-msk.xlsx") as book:
        workbook = book.read("xl/workbook.xml").decode()
        sheets = [book.read(f"xl/worksheets/sheet{n}.xml").decode() for n in (1, 2, 3)]
        strings = book.read("xl/sharedStrings.xml").decode()
        styles = book.read("xl/styles.xml").decode()
    assert re.findall(r'<sheet name="(\w+)"', workbook) == ["roster", "coverage", "clerks"]
    for sheet in sheets:
        assert 'ySplit="1"' in sheet and 'state="frozen"' in sheet  # the header stays
        assert "<col " in sheet  # columns sized to their content
    assert "<b/>" in styles
    for word in ("clerk", "windows open", "clerks on shift", "weekend shifts", "Садыков Улан"):
        assert f">{word}<" in strings
    assert sheets[0].count("<row ") == len(shifts(plan / "roster-msk.csv")) + 1
    assert sheets[2].count("<row ") == 6 + 1  # every clerk, used or not


def test_the_deadline_and_the_period_are_chosen(tmp_path: Path) -> None:
    plan, clerks = plan_dir(tmp_path), clerks_file(tmp_path)

    code, said = roster(
        tmp_path,
        str(plan),
        "msk",
        "--clerks",
        str(clerks),
        "--deadline",
        "2025-06-30",
        "--from",
        "2025-04-15",
        "--to",
        "2025-04-16",
        "--lang",
        "ru",
    )

    assert code == 0, said
    assert "the deadline 2025-06-30: 2025-04-15 to 2025-04-16, 2 open days" in said
    rows = shifts(plan / "roster-msk.csv")
    assert {r["date"] for r in rows} == {"2025-04-15", "2025-04-16"}
    # One window all day: two half days, 8 clerk-hours a day.
    assert sum(float(r["hours"]) for r in rows) == 16


def test_the_clerks_short_are_shown_by_day_and_time(tmp_path: Path) -> None:
    plan = plan_dir(tmp_path)
    one = clerks_file(tmp_path, "clerk\nАсанова Айгуль\n")

    code, said = roster(tmp_path, str(plan), "msk", "--clerks", str(one), "--to", "2025-04-14")

    assert code == 0, said
    assert "Short of clerks: 16 clerk-hours;" in said
    assert "2025-04-14 09:00–18:00: 2 clerks short" in said
    assert (plan / "roster-msk.png").exists()


def test_without_a_plan_it_says_to_make_one(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()

    code, said = roster(tmp_path, str(empty), "msk", "--clerks", str(clerks_file(tmp_path)))

    assert code == 2
    assert (
        f"Invalid value for PLAN_DIR: {empty / 'window-hours.csv'} does not exist; run "
        f"`kezek plan SCENARIO --out {empty}` first" in said
    )


def test_an_unknown_office_lists_the_known_ones(tmp_path: Path) -> None:
    code, said = roster(
        tmp_path, str(plan_dir(tmp_path)), "kzn", "--clerks", str(clerks_file(tmp_path))
    )

    assert code == 2
    assert "Invalid value for OFFICE: no office 'kzn' in" in said
    assert "give one of msk, spb" in said


@pytest.mark.parametrize(
    ("options", "said_so"),
    [
        pytest.param(
            ["--deadline", "2025-05-31"],
            "Invalid value for '--deadline': the plan has no recommendation for 2025-05-31; "
            "give one of 2025-04-30, 2025-06-30",
            id="an unknown deadline lists the plan's",
        ),
        pytest.param(
            ["--from", "2025-04-20"],
            "msk opens no window from 2025-04-20 to 2025-04-30 in this plan; its open days run "
            "from 2025-03-31 to 2025-04-19: choose --from and --to within them",
            id="a period without an open day",
        ),
        pytest.param(
            ["--min-hours", "6", "--max-hours", "5"],
            "Invalid value for '--min-hours': 6 is longer than --max-hours 5",
            id="shift lengths the wrong way round",
        ),
    ],
)
def test_an_option_that_cannot_be_met_names_itself_and_the_fix(
    tmp_path: Path, options: list[str], said_so: str
) -> None:
    clerks = str(clerks_file(tmp_path))
    code, said = roster(tmp_path, str(plan_dir(tmp_path)), "msk", "--clerks", clerks, *options)

    assert code == 2
    assert said_so in said


def test_a_wrong_clerks_file_is_refused_line_by_line(tmp_path: Path) -> None:
    bad = clerks_file(tmp_path, "clerk,max_days_per_week\nАсанова Айгуль,7\n")

    code, said = roster(tmp_path, str(plan_dir(tmp_path)), "msk", "--clerks", str(bad))

    assert code == 1
    assert f"{bad}:2: max_days_per_week: is 7; give 1 to 5 days" in said
    assert "1 error; no roster was made." in said
    assert not (tmp_path / "plan" / "roster-msk.csv").exists()
