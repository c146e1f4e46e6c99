"""The walk-ins' wait target counts every visit: one not served that day waits overnight."""

from __future__ import annotations

import numpy as np

from kezek.planning.office_model import Kind, OfficeModel, ServiceTimes, WindowDay, simulate_office
from kezek.planning.planner import _share_within
from kezek.planning.runs import Job, run_jobs

# Two windows, 09:00-18:00, and 300 newcomers a day who all walk in: far more than they serve.
BUSY = OfficeModel(
    code="x",
    windows=((WindowDay(((540, 1080),)),) * 2,) * 10,
    backlog=0,
    services=(ServiceTimes(10.0),),
    mix=(1.0,),
    daily_demand=(300.0,) * 10,
    walk_in_share=1.0,
    priority_share=0.0,
    no_show=0.0,
)


def test_a_walk_in_not_served_that_day_counts_against_the_target() -> None:
    run = simulate_office(BUSY, rng=np.random.default_rng(1), keep_records=True)
    assert run.records is not None
    records = run.records
    walk_in = records["kind"] != int(Kind.appointment)
    unserved = np.bincount(records["day"][walk_in & (records["window"] < 0)], minlength=10)
    # The kernel's count is the visits the records show unserved, and those who came
    # back but were beyond the numbers the door gives out (twice what two windows serve).
    room = int(BUSY.arrays.door_room[0])
    back = without_number = 0
    for day in range(10):
        outside = max(0, back - room)
        without_number += outside
        back = int(unserved[day]) + outside
    assert without_number > 0
    assert run.walk_ins_unserved == int(unserved.sum()) + without_number

    runs = next(iter(run_jobs([Job(BUSY, 0, 10)], runs=4, seed=1, processes=1).values()))
    served = runs.walk_in_waits.sum()
    within = runs.walk_in_waits[: 120 // 5].sum()
    share = _share_within(runs, 120)
    assert share == within / (served + runs.walk_ins_unserved)
    # Counting only those served would flatter the office.
    assert share < within / served
