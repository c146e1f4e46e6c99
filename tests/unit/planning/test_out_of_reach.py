"""A deadline no number of windows can make is said at once, with the earliest date and why."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from typer.testing import CliRunner

from kezek.cli.main import app
from kezek.planning.fluid import fluid_clearance
from kezek.planning.planner import make_plan
from kezek.planning.scenario import read_scenario
from kezek.planning.scenario_offices import planning_offices

from .scenarios import write_scenario

runner = CliRunner()


def _scenario(tmp_path: Path, *, deadlines: str, kazan_limit: str = "") -> Path:
    path = write_scenario(tmp_path)
    text = path.read_text(encoding="utf-8")
    text = text.replace("deadlines = [2025-04-30, 2025-06-30]", f"deadlines = [{deadlines}]")
    text = text.replace('code = "kzn"\n', f'code = "kzn"\n{kazan_limit}')
    path.write_text(text, encoding="utf-8")
    return path


def test_a_deadline_the_day_after_the_start_is_out_of_reach_for_any_windows(
    tmp_path: Path,
) -> None:
    spec, network = read_scenario(_scenario(tmp_path, deadlines="2025-04-02"))
    plan = make_plan(spec, network, processes=1, replications=10)

    for office in plan.baseline.offices:
        rec = office.recommendations[0]
        beyond = rec.out_of_reach
        assert beyond is not None and beyond.reason == "misses" and not rec.met
        # Each office is planned for √0.9 = 94.9%: fewer than 0.051 people may be left.
        # Kazan's 2,000: 200, 20, 2, 0.2, 0.02 after the 5th open day; Novosibirsk's 1,200:
        # 120, 12, 1.2, 0.12, 0.012. 7 April is a holiday: 1, 2, 3, 4 and 8 April.
        assert (beyond.earliest, beyond.open_days) == (dt.date(2025, 4, 8), 5)
        # Nothing was simulated for it: today's runs show how far it is.
        assert office.recommended_runs[0] is office.runs
        assert (rec.booked_windows, rec.walk_in_windows) == (0, 0)
    assert plan.baseline.recommended_cleared == [0.0]


def test_the_premises_limit_is_kept_and_named(tmp_path: Path) -> None:
    scenario = _scenario(tmp_path, deadlines="2025-04-30", kazan_limit="max_windows = 3\n")
    out = tmp_path / "report"

    result = runner.invoke(
        app, ["plan", str(scenario), "--out", str(out), "-r", "10", "--processes", "1"]
    )

    assert result.exit_code == 0, result.output
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    kazan, novosibirsk = report["recommendations"][0]["offices"]
    assert kazan["out_of_reach"]["added_limit"] == 0
    assert kazan["out_of_reach"]["reason"] == "premises"
    assert kazan["out_of_reach"]["earliest"] > "2025-04-30"
    assert kazan["windows_total"] == kazan["windows_now"] == 3
    assert novosibirsk["out_of_reach"] is None and novosibirsk["met"]
    assert (
        f"kzn: out of reach with the 3 windows the premises hold; the earliest date with all "
        f"of them: {kazan['out_of_reach']['earliest']}." in " ".join(result.output.split())
    )
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "out of reach with the 3 windows the premises hold" in html


def test_fewer_windows_than_the_office_has_today_is_refused(tmp_path: Path) -> None:
    scenario = _scenario(tmp_path, deadlines="2025-04-30", kazan_limit="max_windows = 2\n")

    result = runner.invoke(app, ["plan", str(scenario), "-r", "10", "--processes", "1"])

    assert result.exit_code != 0
    assert "offices[0].max_windows: 'kzn' already has 3 windows; give at least 3" in result.output


def test_windows_that_open_after_the_deadline_are_named_as_the_reason(tmp_path: Path) -> None:
    scenario = _scenario(
        tmp_path, deadlines="2025-04-30", kazan_limit="windows_from = 2025-05-05\n"
    )
    spec, network = read_scenario(scenario)

    plan = make_plan(spec, network, processes=1, replications=10)

    kazan = plan.baseline.offices[0].recommendations[0]
    assert kazan.out_of_reach is not None and kazan.out_of_reach.reason == "late"
    assert kazan.out_of_reach.opens_on == dt.date(2025, 5, 5)
    # The date with today's windows, by the fluid rule at the office's share (√0.9).
    today = planning_offices(spec, network)["kzn"].model(start=spec.scenario.start, days=200)
    day = fluid_clearance(today, tail=plan.baseline.office_confidence)
    assert day is not None
    assert kazan.out_of_reach.earliest == spec.scenario.start + dt.timedelta(days=day)


def test_walk_in_windows_count_against_the_premises(tmp_path: Path) -> None:
    # Everyone walks in: Erlang asks for walk-in windows, and the premises hold one more.
    scenario = _scenario(
        tmp_path, deadlines="2025-06-30", kazan_limit="max_windows = 4\nwalk_in_share = 1.0\n"
    )
    spec, network = read_scenario(scenario)

    plan = make_plan(spec, network, processes=1, replications=10)

    kazan = plan.baseline.offices[0]
    rec = kazan.recommendations[0]
    assert rec.out_of_reach is None
    assert rec.booked_windows + rec.walk_in_windows <= 1
    assert max(rec.windows_per_day) <= 4


def test_a_deadline_beyond_the_horizon_is_refused(tmp_path: Path) -> None:
    scenario = _scenario(tmp_path, deadlines="2025-12-31")

    result = runner.invoke(app, ["plan", str(scenario), "-r", "10", "--processes", "1"])

    assert result.exit_code != 0
    assert "raise horizon_days to at least 275" in result.output
