"""What added windows, Saturdays and evenings cost in usual window-days."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from kezek.planning.cost import added_cost
from kezek.planning.reach import added
from kezek.planning.scenario import read_scenario
from kezek.planning.scenario_offices import PlanningOffice, planning_offices

from .scenarios import write_scenario

START, DEADLINE = dt.date(2025, 4, 1), dt.date(2025, 4, 30)
DAYS = (DEADLINE - START).days + 1


def _kazan(tmp_path: Path) -> PlanningOffice:
    path = write_scenario(tmp_path)
    text = path.read_text(encoding="utf-8").replace(
        'code = "kzn"\n',
        'code = "kzn"\nsaturdays = ["10:00-16:00"]\nevenings = ["18:00-20:00"]\n'
        "saturday_cost_factor = 2\nevening_cost_factor = 1.5\n",
    )
    path.write_text(text, encoding="utf-8")
    spec, network = read_scenario(path)
    return planning_offices(spec, network)["kzn"]


def test_a_window_more_costs_a_window_day_each_open_weekday(tmp_path: Path) -> None:
    kazan = _kazan(tmp_path)

    cost = added_cost(kazan, added(kazan, DEADLINE, 2, 0), START, DAYS)

    # April 2025 in Kazan: 21 open weekdays (7 April is a holiday), Fridays shorter.
    assert (cost.added.days, cost.added.weekend_days, cost.added.evening_minutes) == (42, 0, 0)
    assert cost.weighted_days == 42 and cost.money(1000) == 42_000 and cost.money(None) is None
    assert cost.staff_hours == 2 * (17 * 8 + 4 * 7)


def test_saturdays_cost_double_and_evening_hours_one_and_a_half(tmp_path: Path) -> None:
    kazan = _kazan(tmp_path)

    cost = added_cost(
        kazan, added(kazan, DEADLINE, 0, 0, frozenset({"saturdays", "evenings"})), START, DAYS
    )

    # 4 Saturdays (5, 12, 19, 26 April) at 3 windows; 2 evening hours on 21 weekdays.
    assert (cost.added.days, cost.added.weekend_days) == (0, 12)
    assert cost.added.evening_minutes == 3 * 21 * 120
    assert cost.usual_day_minutes == 8 * 60
    assert cost.weighted_days == 12 * 2 + (3 * 21 * 120 / 480) * 1.5
    assert cost.staff_hours == 12 * 6 + 3 * 21 * 2
