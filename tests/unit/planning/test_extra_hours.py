"""Saturdays and evenings: hours the planner may add when windows alone do not fit."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kezek.cli.main import app
from kezek.planning.planner import make_plan
from kezek.planning.reach import added
from kezek.planning.scenario import read_scenario
from kezek.planning.scenario_offices import PlanningOffice, planning_offices

from .scenarios import write_scenario

runner = CliRunner()

EXTRAS = 'saturdays = ["10:00-16:00"]\nevenings = ["18:00-21:00"]\n'


def _scenario(tmp_path: Path, kazan: str) -> Path:
    tmp_path.mkdir(exist_ok=True)
    path = write_scenario(tmp_path)
    text = path.read_text(encoding="utf-8")
    text = text.replace("deadlines = [2025-04-30, 2025-06-30]", "deadlines = [2025-04-30]")
    text = text.replace('code = "kzn"\n', f'code = "kzn"\n{kazan}')
    path.write_text(text, encoding="utf-8")
    return path


def test_saturdays_and_evenings_open_every_window_longer(tmp_path: Path) -> None:
    spec, network = read_scenario(_scenario(tmp_path, EXTRAS))
    kazan = planning_offices(spec, network)["kzn"]
    longer = added(kazan, dt.date(2025, 4, 30), 1, 0, frozenset({"saturdays", "evenings"}))

    def hours(office: PlanningOffice, day: dt.date) -> list[tuple[tuple[int, int], ...]]:
        return [w.intervals for w in office.windows_on(day) if w.intervals]

    tuesday, saturday = dt.date(2025, 4, 8), dt.date(2025, 4, 12)
    assert hours(kazan, saturday) == []
    assert hours(longer, saturday) == [((600, 960),)] * 4  # three windows and the added one
    # Kazan closes at 18:00: the evening runs on from it.
    assert hours(longer, tuesday) == [((9 * 60, 13 * 60), (14 * 60, 21 * 60))] * 4
    # Not after the deadline, and not on a holiday (7 April).
    assert hours(longer, dt.date(2025, 5, 3)) == []
    assert hours(longer, dt.date(2025, 4, 7)) == []


def test_when_the_premises_are_full_saturdays_and_evenings_make_the_deadline(
    tmp_path: Path,
) -> None:
    full = "max_windows = 4\n"
    spec, network = read_scenario(_scenario(tmp_path / "no", full))
    without = make_plan(spec, network, processes=1, replications=40).baseline.offices[0]
    spec, network = read_scenario(_scenario(tmp_path / "yes", full + EXTRAS))
    plan = make_plan(spec, network, processes=1, replications=40)
    kazan = plan.baseline.offices[0]

    assert without.recommendations[0].out_of_reach is not None
    rec = kazan.recommendations[0]
    assert rec.out_of_reach is None and rec.met
    assert rec.extras and rec.booked_windows + rec.walk_in_windows <= 1
    # The simulation bears it out at the office's planned chance.
    assert rec.cleared_share >= rec.confidence
    weighed = rec.added_cost
    assert weighed is not None and weighed.added.evening_minutes + weighed.added.weekend_days > 0
    assert weighed.weighted_days > 0


def test_more_windows_are_chosen_over_dearer_hours_when_the_premises_have_room(
    tmp_path: Path,
) -> None:
    spec, network = read_scenario(_scenario(tmp_path, EXTRAS))
    plan = make_plan(spec, network, processes=1, replications=40)
    rec = plan.baseline.offices[0].recommendations[0]

    # A Saturday costs two window-days and an evening hour one and a half usual hours:
    # a window more is cheaper for the same places.
    assert rec.extras == frozenset() and rec.booked_windows > 0 and rec.met


def test_the_plan_names_the_extra_hours_and_weighs_their_cost(tmp_path: Path) -> None:
    scenario = _scenario(tmp_path, "max_windows = 4\nwindow_day_cost = 1000\n" + EXTRAS)
    out = tmp_path / "report"

    result = runner.invoke(
        app, ["plan", str(scenario), "--out", str(out), "-r", "20", "--processes", "1"]
    )

    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    kazan = report["recommendations"][0]["offices"][0]
    assert kazan["extras"] and set(kazan["extras"]) <= {"saturdays", "evenings"}
    assert kazan["cost"] == pytest.approx(kazan["weighted_window_days"] * 1000, abs=5)
    assert kazan["weighted_window_days"] > kazan["added_window_days"]
    assert "they weigh as" in text and "usual window-days" in text
    hours = (out / "window-hours.csv").read_text(encoding="utf-8")
    if "saturdays" in kazan["extras"]:
        assert "kzn,2025-04-12,10:00-16:00,3" in hours
