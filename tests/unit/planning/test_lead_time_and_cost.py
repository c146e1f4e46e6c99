"""Added windows open when they can, the later the more it takes, and what they cost."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from typer.testing import CliRunner

from kezek.cli.main import app
from kezek.planning.lead_time import lead_times
from kezek.planning.reach import added
from kezek.planning.scenario import read_scenario
from kezek.planning.scenario_offices import planning_offices

from .scenarios import write_scenario

runner = CliRunner()


def _kazan_from(tmp_path: Path, lines: str) -> Path:
    path = write_scenario(tmp_path)
    text = path.read_text(encoding="utf-8").replace('code = "kzn"\n', f'code = "kzn"\n{lines}')
    path.write_text(text, encoding="utf-8")
    return path


def test_the_later_added_windows_open_the_more_it_takes(tmp_path: Path) -> None:
    spec, network = read_scenario(write_scenario(tmp_path))
    found = lead_times(spec, planning_offices(spec, network))

    april, june = found
    assert april.opens == tuple(dt.date(2025, 4, 1) + dt.timedelta(weeks=w) for w in range(5))
    for windows in april.windows.values():
        known = [n for n in windows if n is not None]
        assert known == sorted(known) and known[0] >= 0
        # Out of reach only from some date on: never before a date that is within reach.
        assert windows[: len(known)] == tuple(known)
    assert april.windows["kzn"][0] is not None and april.windows["kzn"][0] < (
        april.windows["kzn"][3] or 10_000
    )
    assert june.deadline == dt.date(2025, 6, 30)


def test_added_windows_open_no_sooner_than_the_office_can_open_them(tmp_path: Path) -> None:
    spec, network = read_scenario(_kazan_from(tmp_path, "windows_from = 2025-04-14\n"))
    kazan = planning_offices(spec, network)["kzn"]
    more = added(kazan, dt.date(2025, 4, 30), 2, 0)

    def staffed(day: dt.date) -> int:
        return sum(1 for w in more.windows_on(day) if w.intervals)

    assert (staffed(dt.date(2025, 4, 11)), staffed(dt.date(2025, 4, 14))) == (3, 5)


def test_the_plan_counts_window_days_and_their_cost(tmp_path: Path) -> None:
    scenario = _kazan_from(tmp_path, "window_day_cost = 1500\n")
    out = tmp_path / "report"

    result = runner.invoke(app, ["plan", str(scenario), "--out", str(out), "-r", "10"])

    assert result.exit_code == 0, result.output
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    kazan, novosibirsk = report["recommendations"][0]["offices"]
    # Kazan has 3 windows today: each open day adds what is open beyond them.
    days = sum(open_now - 3 for open_now in kazan["windows_per_day"] if open_now)
    assert kazan["added_window_days"] == days > 0
    assert kazan["cost"] == kazan["added_window_days"] * 1500
    assert novosibirsk["cost"] is None and kazan["served"] > 0
    total = kazan["added_window_days"] + novosibirsk["added_window_days"]
    text = " ".join(result.output.split())
    assert f"Added: {total:,} window-days" in text
    added = report["recommendations"][0]["added"]
    assert added["cost"] == kazan["cost"] and added["window_days"] == total
    # Per person of Kazan's backlog served by the deadline: Novosibirsk gives no cost.
    assert added["cost_per_person"] == round(kazan["cost"] / kazan["served"], 2)
    assert kazan["served"] <= 2_000
    assert f"they cost {kazan['cost']:,.0f}, {added['cost_per_person']:,.2f} per person" in text
    assert "offices without window_day_cost not counted" in text
    assert "if they can open from" in text
