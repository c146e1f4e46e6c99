"""Other targets than everyone served: a share of the backlog, and people who never come."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from kezek.planning.fluid import fluid_clearance
from kezek.planning.office_model import OfficeModel, simulate_office
from kezek.planning.planner import make_plan
from kezek.planning.scenario import read_scenario
from kezek.planning.scenario_offices import planning_offices

from .one_office import three_windows
from .scenarios import write_scenario


def _model(**changes: object) -> OfficeModel:
    return three_windows(60, daily_demand=(20.0,) * 60, no_show=0.1, **changes)


def test_ninety_nine_percent_served_clears_before_the_last_missers() -> None:
    # 125.2 of the backlog are left for day 6, of whom 12.52 miss: more than the 10 that
    # 99% allows, so day 7 (1.25 left), where everyone needs day 8 (0.125 < 0.5).
    assert fluid_clearance(_model()) == 8
    assert fluid_clearance(_model(served_share=0.99)) == 7


def test_the_simulation_stops_the_clock_when_the_share_is_served() -> None:
    everyone = simulate_office(_model(), rng=np.random.default_rng(3))
    most = simulate_office(_model(served_share=0.99), rng=np.random.default_rng(3))
    assert 0 <= most.cleared_on < everyone.cleared_on
    left = 1_000 - np.cumsum(most.backlog_served)
    assert left[most.cleared_on] <= 10 < left[most.cleared_on - 1]


def test_those_who_never_come_are_not_waited_for(tmp_path: Path) -> None:
    path = write_scenario(tmp_path)
    text = path.read_text(encoding="utf-8").replace(
        "[defaults]\n", "[defaults]\nnever_come = 0.2\n"
    )
    text = text.replace("horizon_days = 200\n", "horizon_days = 200\nserved_share = 0.99\n")
    path.write_text(text, encoding="utf-8")
    spec, network = read_scenario(path)

    kazan = planning_offices(spec, network)["kzn"]
    model = kazan.model(start=spec.scenario.start, days=30)
    assert (kazan.backlog_total, model.backlog, model.may_be_left) == (2_000, 1_600, 16)
    plan = make_plan(spec, network, processes=1, replications=10)
    assert any("99% of the backlog served" in note for note in plan.notes)
    assert any("never comes" in note and "kzn 400" in note for note in plan.notes)
