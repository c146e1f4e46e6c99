"""Part of the backlog walks in at the door instead of booking, as in 2025."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from kezek.planning.fluid import door_done, fluid_clearance
from kezek.planning.office_model import APPOINTMENT, simulate_office
from kezek.planning.planner import make_plan
from kezek.planning.reach import out_of_reach
from kezek.planning.scenario import read_scenario
from kezek.planning.scenario_offices import planning_offices

from .one_office import three_windows
from .scenarios import write_scenario


def test_those_at_the_door_come_evenly_over_their_days_and_count_for_the_backlog() -> None:
    # 1,000 waiting, 400 of them at the door over 10 days; holders always on time, and
    # nobody at the door gives up.
    model = three_windows(at_door=400, door_days=10, punctuality_minutes=0.0, patience_minutes=None)

    run = simulate_office(model, rng=np.random.default_rng(5), keep_records=True)

    records = run.records
    assert records is not None
    door = records["backlog"] & (records["kind"] != APPOINTMENT)
    visits = np.bincount(records["day"][door], minlength=30)
    # 40 a day for 10 days, and any not served that day again the next morning.
    assert visits[:10].min() >= 40 and visits[:10].sum() >= 400
    served_at_door = door & ~np.isnan(records["start"])
    assert served_at_door.sum() == 400 and records["day"][served_at_door].min() == 0
    assert run.backlog_served.sum() == 1_000
    assert run.cleared_on >= 9  # not before the last of those at the door came


def test_those_turned_away_at_a_full_door_book_instead() -> None:
    # Everyone at the door, 500 a day for two days, where 162 a day can be served.
    model = three_windows(backlog=1_000, at_door=1_000, door_days=2, punctuality_minutes=0)

    run = simulate_office(model, rng=np.random.default_rng(3), keep_records=True)

    records = run.records
    assert records is not None
    # Each day the door takes twice what the windows can serve, 2 × 3 × 540 min / 10 min
    # = 324, and turns the other 176 away: they book, and nobody misses a booking here.
    door = records["backlog"] & (records["kind"] != APPOINTMENT)
    assert np.bincount(records["day"][door])[0] == 324
    booked = records["backlog"] & (records["kind"] == APPOINTMENT)
    assert (booked & ~np.isnan(records["start"])).sum() == 2 * 176
    assert run.backlog_served.sum() == 1_000 and run.cleared_on > 0


def test_the_fluid_rule_waits_for_the_last_to_come_to_the_door() -> None:
    booked_only = three_windows(backlog=600)
    with_door = three_windows(at_door=400, door_days=20)

    assert door_done(with_door) == 19
    booked_day = fluid_clearance(booked_only)
    assert booked_day is not None and booked_day < 19
    assert fluid_clearance(with_door) == 19


def _scenario(tmp_path: Path, deadlines: str) -> Path:
    path = write_scenario(tmp_path)
    text = path.read_text(encoding="utf-8")
    text = text.replace("deadlines = [2025-04-30, 2025-06-30]", f"deadlines = [{deadlines}]")
    text = text.replace("walk_in_share = 0.3\n", "walk_in_share = 0.3\nbacklog_at_door = 0.3\n")
    text = text.replace('code = "kzn"\n', 'code = "kzn"\ndoor_days = 15\n')
    path.write_text(text, encoding="utf-8")
    return path


def test_a_deadline_before_the_door_closes_is_out_of_reach_and_says_so(tmp_path: Path) -> None:
    spec, network = read_scenario(_scenario(tmp_path, "2025-04-18"))
    kazan = planning_offices(spec, network)["kzn"]

    beyond = out_of_reach(kazan, spec, dt.date(2025, 4, 18), 0.95, 50)

    # 15 open days from 1 April, 7 April a holiday: the last come on 22 April.
    assert beyond is not None and beyond.reason == "door"
    assert beyond.earliest is not None and beyond.earliest >= dt.date(2025, 4, 22)


def test_the_plan_staffs_the_door_only_while_people_come_to_it(tmp_path: Path) -> None:
    spec, network = read_scenario(_scenario(tmp_path, "2025-05-30"))
    plan = make_plan(spec, network, processes=1, replications=40)
    kazan = plan.baseline.offices[0]
    rec = kazan.recommendations[0]

    assert rec.out_of_reach is None and rec.met
    planned = rec.planned
    assert planned is not None
    free = [
        sum(1 for w in planned.windows_on(day) if w.intervals and not w.bookable)
        for day in (dt.date(2025, 4, 8), dt.date(2025, 5, 20))
    ]
    # Walk-in windows while the backlog comes to the door (to 22 April), fewer after.
    assert free[0] > free[1]
    assert rec.served >= 0.95 * kazan.backlog
