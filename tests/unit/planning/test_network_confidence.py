"""The network's confidence is shared among offices where it costs least."""

from __future__ import annotations

import math
from pathlib import Path

from kezek.planning.choice import Choice, least_cost
from kezek.planning.planner import make_plan
from kezek.planning.scenario import read_scenario

from .scenarios import write_scenario


def _choice(confidence: float, cost: float) -> Choice:
    return Choice(booked=0, walk_ins=0, extras=frozenset(), confidence=confidence, cost=cost)


def test_a_dear_office_is_planned_less_surely_when_a_cheap_one_makes_up_for_it() -> None:
    # Even shares: √0.9 = 0.9487 each, costing 10 + 100. Making the cheap office 99%
    # sure costs it 1 more and lets the dear one be 0.9091 sure, which saves it 30.
    options = {
        "cheap": [_choice(0.9091, 9), _choice(0.9487, 10), _choice(0.99, 11)],
        "dear": [_choice(0.9091, 70), _choice(0.9487, 100), _choice(0.99, 150)],
    }

    chosen = least_cost(options, math.log(0.9))

    assert chosen["cheap"].confidence == 0.99 and chosen["dear"].confidence == 0.9091
    assert chosen["cheap"].confidence * chosen["dear"].confidence >= 0.9


def test_the_cheapest_mix_never_falls_below_the_network_confidence() -> None:
    levels = [0.80, 0.90, 0.95, 0.99, 0.999]
    options = {
        code: [_choice(level, weight * -math.log(1 - level)) for level in levels]
        for code, weight in (("a", 1.0), ("b", 3.0), ("c", 0.5))
    }

    chosen = least_cost(options, math.log(0.9))

    product = math.prod(choice.confidence for choice in chosen.values())
    assert product >= 0.9
    # No other mix that reaches 90% costs less: checked against every one of them.
    best = min(
        sum(c.cost for c in mix)
        for mix in ((a, b, c) for a in options["a"] for b in options["b"] for c in options["c"])
        if math.prod(x.confidence for x in mix) >= 0.9 - 1e-12
    )
    assert math.isclose(sum(choice.cost for choice in chosen.values()), best)


def test_the_plan_holds_each_office_to_its_own_share_and_the_network_to_its_confidence(
    tmp_path: Path,
) -> None:
    spec, network = read_scenario(write_scenario(tmp_path))
    plan = make_plan(spec, network, processes=1, replications=40)

    for n in range(len(spec.scenario.deadlines)):
        assert plan.baseline.planned_confidence(n) >= spec.scenario.confidence - 1e-9
        for office in plan.baseline.offices:
            rec = office.recommendations[n]
            assert not rec.met or rec.cleared_share >= rec.confidence
