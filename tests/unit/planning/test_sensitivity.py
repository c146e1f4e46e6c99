"""Which assumption moves the clearance date most, one at a time, by the fluid rule."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from kezek.cli.main import app
from kezek.planning.scenario import read_scenario
from kezek.planning.scenario_offices import planning_offices
from kezek.planning.sensitivity import sensitivity

from .scenarios import write_scenario

runner = CliRunner()


def test_each_assumption_moves_the_date_and_the_windows_the_way_it_should(
    tmp_path: Path,
) -> None:
    spec, network = read_scenario(write_scenario(tmp_path))
    found = sensitivity(spec, planning_offices(spec, network))

    names = [swing.assumption.name for swing in found.ranked()]
    assert sorted(names) == ["backlog", "newcomers per day", "no-shows", "service time"]
    spans = [swing.days(found.horizon) for swing in found.ranked()]
    assert spans == sorted(spans, reverse=True) and spans[0] > 0
    assert found.base.clearance is not None
    for swing in found.swings:
        # More backlog, more no-shows, more newcomers, longer services: never sooner, never
        # fewer windows; and the scenario's own values lie between the two ends.
        low, high = swing.low, swing.high
        assert low.clearance is not None and high.clearance is not None
        assert low.clearance <= found.base.clearance <= high.clearance
        for fewer, more in zip(low.windows, high.windows, strict=True):
            assert fewer is not None and more is not None and fewer <= more


def test_the_plan_reports_what_matters_most(tmp_path: Path) -> None:
    out = tmp_path / "report"
    result = runner.invoke(
        app,
        ["plan", str(write_scenario(tmp_path)), "--out", str(out), "-r", "10", "--lang", "ru"],
    )

    assert result.exit_code == 0, result.output
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    found = report["sensitivity"]
    # The base is the plan's own fluid column for the network.
    assert found["base"]["clearance"] == report["baseline"]["network"]["fluid"]
    top = found["assumptions"][0]
    assert (
        f"The clearance date moves most with the {top['name']}: {top['days_apart']} days "
        f"between {top['low']} and {top['high']}." in " ".join(result.output.split())
    )
    assert [a["low"] for a in found["assumptions"]].count("-20%") == 3
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Что важнее всего" in html and "Срок расчистки сильнее всего зависит" in html
    assert (out / "charts" / "ky" / "sensitivity.png").read_bytes()[:4] == b"\x89PNG"
