"""plan.xlsx: the CSV tables a sheet each, typed for a spreadsheet, and a summary sheet whose
figures are report.json's."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from typer.testing import CliRunner

from kezek.cli.main import app

from .scenarios import write_scenario

runner = CliRunner()

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
RELATION = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
PACKAGE = "{http://schemas.openxmlformats.org/package/2006/relationships}"
EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 1 is 1900-01-01, with Lotus's 29 February 1900
DATE_FORMAT = "yyyy-mm-dd"

Cell = str | float | bool | dt.date | None


class Sheet:
    """One worksheet as read from the XML: its cells by row, and how it is set up."""

    def __init__(self, rows: list[list[Cell]], xml: ElementTree.Element) -> None:
        self.rows = rows
        self.xml = xml

    @property
    def frozen_rows(self) -> int:
        pane = self.xml.find(f"{MAIN}sheetViews/{MAIN}sheetView/{MAIN}pane")
        if pane is None or pane.get("state") != "frozen":
            return 0
        return int(float(pane.get("ySplit", "0")))

    @property
    def filtered(self) -> str | None:
        found = self.xml.find(f"{MAIN}autoFilter")
        return None if found is None else found.get("ref")


def read_workbook(path: Path) -> dict[str, Sheet]:
    """Each sheet by name, in order; a number in a date format is read back as a date."""
    with zipfile.ZipFile(path) as book:
        xml = {name: ElementTree.fromstring(book.read(name)) for name in book.namelist()}
    shared = (
        [
            "".join(text.text or "" for text in item.iter(f"{MAIN}t"))
            for item in xml["xl/sharedStrings.xml"].iter(f"{MAIN}si")
        ]
        if "xl/sharedStrings.xml" in xml
        else []
    )
    dated = _date_styles(xml["xl/styles.xml"])
    targets = {
        rel.get("Id"): rel.get("Target", "")
        for rel in xml["xl/_rels/workbook.xml.rels"].iter(f"{PACKAGE}Relationship")
    }
    sheets = {}
    for sheet in xml["xl/workbook.xml"].iter(f"{MAIN}sheet"):
        target = targets[sheet.get(RELATION)].removeprefix("/xl/")
        found = xml[f"xl/{target}"]
        sheets[sheet.get("name", "")] = Sheet(_cells(found, shared, dated), found)
    return sheets


def _date_styles(styles: ElementTree.Element) -> set[int]:
    """The cell styles (by index) that show a number as a yyyy-mm-dd date."""
    formats = {
        int(f.get("numFmtId", "0")): f.get("formatCode", "") for f in styles.iter(f"{MAIN}numFmt")
    }
    cell_styles = styles.find(f"{MAIN}cellXfs")
    assert cell_styles is not None
    return {
        n
        for n, style in enumerate(cell_styles.iter(f"{MAIN}xf"))
        if formats.get(int(style.get("numFmtId", "0"))) == DATE_FORMAT
    }


def _cells(sheet: ElementTree.Element, shared: list[str], dated: set[int]) -> list[list[Cell]]:
    rows: list[list[Cell]] = []
    for row in sheet.iter(f"{MAIN}row"):
        number = int(row.get("r", "0"))
        while len(rows) < number:
            rows.append([])
        cells = rows[number - 1]
        for cell in row.iter(f"{MAIN}c"):
            column = _column(cell.get("r", ""))
            cells.extend([None] * (column + 1 - len(cells)))
            cells[column] = _value(cell, shared, dated)
    return rows


def _column(reference: str) -> int:
    letters = re.match(r"[A-Z]+", reference)
    assert letters is not None
    n = 0
    for letter in letters.group():
        n = n * 26 + ord(letter) - ord("A") + 1
    return n - 1


def _value(cell: ElementTree.Element, shared: list[str], dated: set[int]) -> Cell:
    kind = cell.get("t", "n")
    value = cell.findtext(f"{MAIN}v")
    if kind == "inlineStr":
        return "".join(t.text or "" for t in cell.iter(f"{MAIN}t"))
    if value is None:
        return None
    if kind == "s":
        return shared[int(value)]
    if kind == "b":
        return value == "1"
    if kind in ("str", "e"):
        return value
    number = float(value)
    if int(cell.get("s", "0")) in dated:
        assert number == int(number)
        return EXCEL_EPOCH + dt.timedelta(days=int(number))
    return number


def _as_csv(value: Cell) -> str:
    """How the CSV file writes the same value."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value == int(value):
        return str(int(value))
    return str(value)


def _csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("workbook")
    scenario = write_scenario(
        folder,
        """
[[what_ifs]]
name = "Two more windows in Kazan from 7 April"
changes = [ { kind = "add_windows", office = "kzn", windows = 2, from = 2025-04-07 } ]
""",
    )
    out = folder / "report"
    result = runner.invoke(app, ["plan", str(scenario), "--out", str(out), "-r", "10"])
    assert result.exit_code == 0, result.output
    assert "plan.xlsx" in result.output
    return out


def test_each_table_is_a_sheet_with_the_csv_rows_typed(planned: Path) -> None:
    sheets = read_workbook(planned / "plan.xlsx")

    tables = ["windows-per-day", "window-hours", "what-ifs", "sensitivity"]
    assert list(sheets) == ["summary", *tables]
    for name in tables:
        sheet = sheets[name]
        rows = _csv(planned / f"{name}.csv")
        assert len(sheet.rows) == len(rows) > 1, name
        for mine, theirs in zip(sheet.rows, rows, strict=True):
            mine = mine + [None] * (len(theirs) - len(mine))  # empty cells at the end
            assert [_as_csv(value) for value in mine] == theirs, name
        header = rows[0]
        for mine, theirs in zip(sheet.rows[1:], rows[1:], strict=True):
            for column, text in enumerate(theirs):
                value = mine[column] if column < len(mine) else None
                if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                    assert isinstance(value, dt.date), (name, header[column], value)
                elif re.fullmatch(r"-?\d+", text):
                    assert isinstance(value, float), (name, header[column], value)
                elif text:
                    assert isinstance(value, str), (name, header[column], value)
        # The header stays in sight, and every row can be filtered.
        assert sheet.frozen_rows == 1, name
        last = chr(ord("A") + len(header) - 1)
        assert sheet.filtered == f"A1:{last}{len(rows)}", name
    # The tables' own words stay words.
    words = {value for row in sheets["sensitivity"].rows for value in row}
    assert "as the scenario has it" in words


def test_the_summary_has_the_figures_of_report_json(planned: Path) -> None:
    report = json.loads((planned / "report.json").read_text(encoding="utf-8"))
    rows = read_workbook(planned / "plan.xlsx")["summary"].rows
    facts = {row[0]: row[1:] for row in rows if row and isinstance(row[0], str)}
    info = report["scenario"]
    deadlines = [dt.date.fromisoformat(d) for d in info["deadlines"]]

    assert facts["scenario"] == [info["name"]["en"]]
    assert facts["start"] == [dt.date.fromisoformat(info["start"])]
    assert facts["deadlines"] == deadlines
    assert facts["confidence"] == [info["confidence"]]
    assert facts["replications"] == [10]
    network = report["baseline"]["network"]
    for figure in ("fluid", "median", "likely"):
        assert facts[f"network_clears_{figure}"] == [dt.date.fromisoformat(network[figure])]

    offices = _block(rows, "office")
    assert [row["office"] for row in offices] == [o["code"] for o in report["baseline"]["offices"]]
    for rec in report["recommendations"]:
        for office in rec["offices"]:
            row = next(row for row in offices if row["office"] == office["code"])
            assert row["windows_now"] == office["windows_now"]
            added = (
                office["add_booked_windows"]
                + office["add_walk_in_windows"]
                + office["door_windows"]
            )
            assert row[f"windows_to_add_by_{rec['deadline']}"] == added
            assert added == office["windows_total"] - office["windows_now"]
    assert offices[0]["name"] == report["offices"]["kzn"]["name"]["en"]

    by_deadline = _block(rows, "deadline")
    assert [row["deadline"] for row in by_deadline] == deadlines
    for row, rec in zip(by_deadline, report["recommendations"], strict=True):
        added = rec["added"]
        assert row["cleared_at_today_windows"] == network["cleared_by_deadline"][rec["deadline"]]
        assert row["cleared_with_recommended_windows"] == rec["network_cleared_share"]
        assert row["planned_confidence"] == pytest.approx(rec["planned_confidence"], rel=1e-12)
        assert row["weighted_window_days_added"] == added["weighted_window_days"]
        assert row["window_days_added"] == added["window_days"]
        assert row["staff_days_added"] == added["staff_days"]
        assert row["backlog_served"] == added["backlog_served"]
        assert row.get("cost") == added["cost"]  # the small scenario gives no cost: empty
        assert row.get("cost_per_person") == added["cost_per_person"]
        assert row["every_office_costed"] is added["every_office_costed"]


def test_an_office_out_of_reach_says_so_in_the_summary(tmp_path: Path) -> None:
    scenario = write_scenario(tmp_path)
    text = scenario.read_text(encoding="utf-8").replace(
        'code = "kzn"\n', 'code = "kzn"\nmax_windows = 3\n'
    )
    scenario.write_text(text, encoding="utf-8")
    out = tmp_path / "report"

    result = runner.invoke(app, ["plan", str(scenario), "--out", str(out), "-r", "10"])

    assert result.exit_code == 0, result.output
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    beyond = report["recommendations"][0]["offices"][0]["out_of_reach"]
    assert beyond is not None  # three windows cannot clear Kazan by 30 April
    kazan = _block(read_workbook(out / "plan.xlsx")["summary"].rows, "office")[0]
    assert kazan["windows_to_add_by_2025-04-30"] == "out of reach"
    assert kazan["earliest_within_reach_for_2025-04-30"] == dt.date.fromisoformat(
        beyond["earliest"]
    )
    assert "earliest_within_reach_for_2025-06-30" not in kazan  # within reach: empty


def _block(rows: list[list[Cell]], first: str) -> list[dict[str, Any]]:
    """The rows under the header that starts with ``first``, until an empty row: by name."""
    top = next(n for n, row in enumerate(rows) if row and row[0] == first)
    header = rows[top]
    found = []
    for row in rows[top + 1 :]:
        if not row or row[0] is None:
            break
        found.append(
            {
                str(name): value
                for name, value in zip(header, row, strict=False)
                if value is not None
            }
        )
    return found


def test_the_web_server_never_loads_xlsxwriter() -> None:
    probe = "import sys, kezek.app; print('xlsxwriter' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "False"
