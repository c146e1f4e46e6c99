"""The plan's CSV tables: what a spreadsheet needs, row for row with the report."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from typer.testing import CliRunner

from kezek.cli.main import app

from .scenarios import write_scenario

runner = CliRunner()


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_plan_writes_its_tables_for_a_spreadsheet(tmp_path: Path) -> None:
    out = tmp_path / "report"
    scenario = write_scenario(
        tmp_path,
        """
[[what_ifs]]
name = "Two more windows in Kazan from 7 April"
changes = [ { kind = "add_windows", office = "kzn", windows = 2, from = 2025-04-07 } ]
""",
    )
    result = runner.invoke(app, ["plan", str(scenario), "--out", str(out), "-r", "10"])
    assert result.exit_code == 0, result.output
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))

    windows = _rows(out / "windows-per-day.csv")
    for rec in report["recommendations"]:
        for office in rec["offices"]:
            mine = [
                row
                for row in windows
                if row["deadline"] == rec["deadline"] and row["office"] == office["code"]
            ]
            assert [int(row["windows_recommended"]) for row in mine] == office["windows_per_day"]
            assert mine[0]["date"] == "2025-04-01" and mine[-1]["date"] == rec["deadline"]
            assert all(int(row["windows_recommended"]) >= int(row["windows_today"]) for row in mine)

    hours = _rows(out / "window-hours.csv")
    for rec in report["recommendations"]:
        for office in rec["offices"]:
            open_on: dict[str, int] = {}
            for row in hours:
                if row["deadline"] == rec["deadline"] and row["office"] == office["code"]:
                    open_on[row["date"]] = open_on.get(row["date"], 0) + int(row["windows"])
            by_day = [row for row in windows if row["office"] == office["code"]]
            by_day = [row for row in by_day if row["deadline"] == rec["deadline"]]
            assert [open_on.get(row["date"], 0) for row in by_day] == office["windows_per_day"]
    weekday = next(row for row in hours if row["date"] == "2025-04-01" and row["office"] == "kzn")
    assert weekday["hours"] == "09:00-13:00 14:00-18:00"
    assert not any(row["date"] == "2025-04-05" and row["office"] == "kzn" for row in hours)

    what_ifs = _rows(out / "what-ifs.csv")
    kazan = next(
        row for row in what_ifs if row["change"].startswith("Two more") and row["office"] == "kzn"
    )
    assert kazan["median"] == report["what_ifs"][0]["offices"][0]["clearance"]["median"]
    assert int(kazan["median_shift_days"]) < 0
    assert sum(row["office"] == "network" for row in what_ifs) == 2

    sensitivity = _rows(out / "sensitivity.csv")
    assert len(sensitivity) == 1 + 2 * 4
    assert sensitivity[0]["network_clears"] == report["sensitivity"]["base"]["clearance"]
    assert {row["end"] for row in sensitivity[1:]} == {"low", "high"}
    assert "windows_to_add_by_2025-04-30" in sensitivity[0]
