"""An office's days that are alike are built once: the shared answer is each day's own."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from kezek.planning.planner import offices_after
from kezek.planning.reach import added
from kezek.planning.scenario import read_scenario
from kezek.planning.scenario_offices import planning_offices

EXAMPLE = Path(__file__).resolve().parents[3] / "examples/scenarios/legalization-2025.toml"


def test_each_day_of_every_variant_is_what_its_own_date_gives() -> None:
    spec, network = read_scenario(EXAMPLE)
    offices = planning_offices(spec, network)
    start = spec.scenario.start
    deadline = dt.date(2025, 4, 30)
    variants = [offices]
    variants += [offices_after(offices, what_if.changes, spec) for what_if in spec.what_ifs]
    # With windows, Saturdays and evenings added for a while, as a recommendation has them.
    variants.append(
        {
            code: added(office, deadline, 3, 1, frozenset({"saturdays", "evenings"}), 2)
            for code, office in offices.items()
        }
    )
    days = [start + dt.timedelta(days=n) for n in range(spec.scenario.horizon_days)]
    kinds = 0
    for variant in variants:
        for office in variant.values():
            for day in days:
                assert office.windows_on(day) == office._windows_on(day), (office.code, day)
            kinds += len(office._kinds)
    # Far fewer kinds of day than days: that is the point of sharing.
    assert kinds < len(days) * sum(len(v) for v in variants) / 10
