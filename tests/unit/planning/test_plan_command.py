"""kezek plan and kezek simulate, as a planner runs them."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

from typer.testing import CliRunner

from kezek.cli.main import app

from .scenarios import write_scenario

runner = CliRunner()


def test_plan_prints_the_answers_and_writes_a_self_contained_report(tmp_path: Path) -> None:
    scenario = write_scenario(
        tmp_path,
        """
[[what_ifs]]
name = "Saturdays in Kazan"

[[what_ifs.changes]]
kind = "extra_day"
office = "kzn"
weekday = "sat"
hours = ["10:00-16:00"]
from = 2025-04-05
""",
    )
    out = tmp_path / "report"

    result = runner.invoke(
        app,
        ["plan", str(scenario), "--out", str(out), "-r", "20", "--processes", "1"],
        env={"COLUMNS": "80"},
    )

    assert result.exit_code == 0, result.output
    assert re.search(r"20 runs per variant in [\d.]+ s on 1 process\.", result.output)
    for heading in (
        "At today's windows",
        "To clear by 2025-04-30, 90% sure",
        "To clear by 2025-06-30, 90% sure",
        "Saturdays in Kazan",
        "The whole network clears in time in 100% of runs",
    ):
        assert heading in result.output
    # An 80-column terminal cuts nothing: every date is whole, no cell ends in an ellipsis.
    assert not re.search(r"\w…\s*[│┃]", result.output)
    assert re.search(r"kzn +│ +2,000 │ .* │ 2025-\d\d-\d\d │ 2025-\d\d-\d\d │", result.output)
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert [r["deadline"] for r in report["recommendations"]] == ["2025-04-30", "2025-06-30"]
    assert {o["code"] for o in report["baseline"]["offices"]} == {"kzn", "nsk"}
    assert report["what_ifs"][0]["name"] == "Saturdays in Kazan"
    assert report["scenario"]["replications"] == 20
    # 20 runs cannot show 90% at 95% confidence: the plan says so, and judges by the share.
    assert "20 runs are too few to show 94.9%" in report["notes"][0]  # √0.9 per office
    assert "too few" in result.output
    assert all(o["met"] for rec in report["recommendations"] for o in rec["offices"])
    for chart in ("burndown", "burndown-offices", "windows", "waits", "queue", "sensitivity"):
        assert (out / f"{chart}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.count("data:image/png;base64,") == 6
    assert "http://" not in html and "https://" not in html and "<script" not in html


def test_the_report_is_written_in_the_language_asked_and_the_charts_in_all(
    tmp_path: Path,
) -> None:
    scenario = write_scenario(tmp_path)
    out = tmp_path / "report"

    result = runner.invoke(
        app,
        ["plan", str(scenario), "--out", str(out), "-r", "10", "--processes", "1", "--lang", "ru"],
    )

    assert result.exit_code == 0, result.output
    html = (out / "report.html").read_text(encoding="utf-8")
    assert '<html lang="ru">' in html
    assert "Когда будет разобрана очередь при нынешних окнах?" in html
    assert "Генеральное консульство Кыргызской Республики в Казани" in html
    assert "30.04.2025" in html and "2025-04-30" not in html
    assert "Backlog" not in html
    for language, words in (("ky", "Кезектин азайышы"), ("ru", "Сокращение очереди")):
        assert words in (out / "charts" / language / "burndown.svg").read_text(encoding="utf-8")
    assert "Backlog burndown" in (out / "charts" / "en" / "burndown.svg").read_text()
    refused = runner.invoke(app, ["plan", str(scenario), "--lang", "de"])
    assert refused.exit_code != 0 and "de" in refused.output


def test_simulate_shows_today_and_writes_one_record_per_visit(tmp_path: Path) -> None:
    scenario = write_scenario(tmp_path)
    records = tmp_path / "visits.csv"

    result = runner.invoke(
        app,
        ["simulate", str(scenario), "-r", "10", "--processes", "1", "--records", str(records)],
    )

    assert result.exit_code == 0, result.output
    assert "At today's windows" in result.output
    assert "Per open day" in result.output
    with records.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert {row["office"] for row in rows} == {"kzn", "nsk"}
    served = [row for row in rows if row["window"] != "-1"]
    assert all(float(row["start"]) >= float(row["arrival"]) for row in served)
    assert (
        sum(row["backlog"] == "True" and row["window"] != "-1" for row in rows) == 1500 + 500 + 1200
    )


def test_a_bad_scenario_names_the_field_and_runs_nothing(tmp_path: Path) -> None:
    scenario = write_scenario(tmp_path, '\n[[what_ifs]]\nname = "x"\nchanges = []\n')
    out = tmp_path / "report"

    result = runner.invoke(app, ["plan", str(scenario), "--out", str(out)])

    assert result.exit_code == 1
    assert "what_ifs[0].changes: has too few entries; add at least one entry" in result.output
    assert "1 error; nothing was run." in result.output
    assert not out.exists()
