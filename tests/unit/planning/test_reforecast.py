"""The scenario from today: what is done is done, what is ahead stays as the file has it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from kezek.planning.actuals import OfficeActual, ReplanError, reforecast, with_deadlines
from kezek.planning.scenario import ScenarioSpec, read_scenario

from .scenarios import write_scenario

TODAY = dt.date(2025, 5, 2)

EXTRA = """
[[what_ifs]]
name = "A team in Kazan in April"
[[what_ifs.changes]]
kind = "mobile_team"
office = "kzn"
windows = 2
hours = ["09:00-17:00"]
from = 2025-04-07
to = 2025-04-30

[[what_ifs]]
name = "Two windows more in Kazan"
changes = [ { kind = "add_windows", office = "kzn", windows = 2, from = 2025-04-14 } ]

[[what_ifs]]
name = "A tenth of Kazan to Novosibirsk"
changes = [ { kind = "shift_demand", from = "kzn", to = "nsk", share = 0.1 } ]
"""


def _spec(tmp_path: Path) -> ScenarioSpec:
    path = write_scenario(tmp_path, EXTRA)
    text = path.read_text(encoding="utf-8").replace(
        'code = "kzn"\n',
        'code = "kzn"\nnever_come = 0.1\nwindows_from = 2025-04-14\ndoor_days = 30\n'
        "backlog_at_door = 0.3\n"
        "demand_changes = [ { from = 2025-04-20, per_day = 25 }, "
        "{ from = 2025-06-01, per_day = 40 } ]\n",
    )
    path.write_text(text, encoding="utf-8")
    spec, _ = read_scenario(path)
    return spec


def test_the_scenario_starts_again_today_with_what_is_left(tmp_path: Path) -> None:
    spec = _spec(tmp_path)
    actual = {"kzn": OfficeActual(served=1_400, backlog_left=1_000.4, booked_ahead=300)}

    again = reforecast(spec, actual, today=TODAY)

    assert again.scenario.start == TODAY
    assert again.scenario.deadlines == [dt.date(2025, 6, 30)]  # 30 April has gone by
    # The horizon still ends where it did.
    assert again.scenario.start + dt.timedelta(days=again.scenario.horizon_days) == (
        spec.scenario.start + dt.timedelta(days=spec.scenario.horizon_days)
    )
    kazan, novosibirsk = again.offices
    # Kazan's 1,500 + 500 in the same shares; those left all come.
    assert kazan.backlog == {"return-certificate": 750, "registration": 250}
    assert kazan.never_come == 0
    assert (kazan.daily_demand, [c.first for c in kazan.demand_changes]) == (
        25,
        [dt.date(2025, 6, 1)],
    )
    assert kazan.windows_from is None
    # At the door: 30% of the 1,800 who come, over 30 days, 23 of them gone (weekdays from
    # 1 April to 1 May): 126 still to come, of the 1,000 left.
    assert kazan.door_days == 7
    assert kazan.backlog_at_door == pytest.approx(540 * 7 / 30 / 1_000.4)
    assert again.defaults.backlog_at_door == 0
    # Novosibirsk: nothing known of it, so as the file has it.
    assert novosibirsk.backlog == spec.offices[1].backlog
    assert [w.changes[0].kind for w in again.what_ifs] == ["add_windows", "shift_demand"]


def test_a_moved_deadline_is_planned_for_and_the_horizon_grows_to_it(tmp_path: Path) -> None:
    spec = _spec(tmp_path)

    moved = with_deadlines(spec, [dt.date(2025, 12, 20)])

    assert moved.scenario.deadlines == [dt.date(2025, 12, 20)]
    assert moved.scenario.horizon_days == (dt.date(2025, 12, 20) - spec.scenario.start).days + 1
    assert moved.scenario.start == spec.scenario.start


def test_a_replan_before_the_start_or_after_every_deadline_is_refused(tmp_path: Path) -> None:
    spec = _spec(tmp_path)

    with pytest.raises(ReplanError, match="re-plan once the campaign has run a day"):
        reforecast(spec, {}, today=spec.scenario.start)
    with pytest.raises(ReplanError, match="give the new one with --deadline"):
        reforecast(spec, {}, today=dt.date(2025, 7, 1))
    with pytest.raises(ReplanError, match="is not after start"):
        with_deadlines(spec, [dt.date(2025, 3, 1)])
