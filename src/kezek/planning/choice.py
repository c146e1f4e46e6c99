"""What each office adds for a deadline so that the network clears at the least cost.

For each office, each mix of the extra hours its scenario allows (none, evenings,
Saturdays, both) with the fewest windows the fluid rule needs for it, at a few levels of
confidence around the even share; then, over the network, one level per office whose
product reaches the scenario's confidence at the least total cost. The offices' runs are
independent, so the network clears with the product of their chances: an office that is
cheap to make surer lets a dear one be planned a little less surely.

The cost is in money when every office gives ``window_day_cost``, else in usual
window-days weighted for Saturdays and evenings (:mod:`kezek.planning.cost`). The
simulation then checks each office at its level (:mod:`kezek.planning.planner`).
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass

from kezek.planning.cost import added_cost
from kezek.planning.reach import added, door_windows, fluid_windows, walk_in_windows
from kezek.planning.scenario import ScenarioSpec
from kezek.planning.scenario_offices import PlanningOffice

# How much likelier than the even share an office may be allowed to miss (its tail times
# these): wide enough to move windows between offices, few enough to stay quick.
TAIL_FACTORS = (4.0, 2.0, 1.0, 0.5, 0.25)


@dataclass(frozen=True)
class Choice:
    """For one office and deadline: the windows and extra hours to add, how sure."""

    booked: int
    walk_ins: int
    extras: frozenset[str]
    confidence: float  # the office clears in time with this chance
    cost: float  # the fluid rule's estimate, in the network's unit
    door: int = 0  # walk-in windows while the backlog comes to the door


def cheapest(
    office: PlanningOffice,
    spec: ScenarioSpec,
    deadline: dt.date,
    confidence: float,
    limit: int,
    *,
    in_money: bool,
) -> tuple[Choice, bool]:
    """The mix of windows and extra hours costing least for ``confidence``, and whether
    it reaches it.

    A mix that cannot clear within ``limit`` windows costs nothing less than every mix
    that can; when none can, the one with every extra hour is tried by simulation.
    """
    info = spec.scenario
    days = (deadline - info.start).days + 1
    walk_ins = min(walk_in_windows(office, spec, days), limit)
    door = min(door_windows(office, spec, days), limit - walk_ins)
    limit -= door
    found: list[tuple[bool, float, Choice]] = []
    for extras in _mixes(office):
        booked = fluid_windows(
            office, spec, days, confidence, walk_ins, limit - walk_ins, extras=extras
        )
        reaches = booked < limit - walk_ins or _reaches_at_limit(
            office, spec, days, confidence, walk_ins, limit, extras
        )
        planned = added(office, deadline, booked, walk_ins, extras, door)
        weighed = added_cost(office, planned, info.start, days)
        cost = weighed.money(office.window_day_cost) if in_money else weighed.weighted_days
        choice = Choice(booked, walk_ins, extras, confidence, cost or 0.0, door)
        found.append((not reaches, choice.cost, choice))
    if all(short for short, _, _ in found):  # none is enough: the most hours, for the check
        return max(found, key=lambda item: len(item[2].extras))[2], False
    return min(found, key=lambda item: (item[0], item[1], len(item[2].extras)))[2], True


def _reaches_at_limit(
    office: PlanningOffice,
    spec: ScenarioSpec,
    days: int,
    confidence: float,
    walk_ins: int,
    limit: int,
    extras: frozenset[str],
) -> bool:
    """Whether ``limit`` windows clear in time: the search answers ``limit`` also when
    none does, so ask it once more with room for one beyond."""
    room = limit - walk_ins
    return fluid_windows(office, spec, days, confidence, walk_ins, room + 1, extras) <= room


def _mixes(office: PlanningOffice) -> list[frozenset[str]]:
    names = [extra.name for extra in office.extras]
    return [
        frozenset(mix)
        for size in range(len(names) + 1)
        for mix in itertools.combinations(names, size)
    ]


def network_choices(
    offices: Mapping[str, PlanningOffice],
    spec: ScenarioSpec,
    deadline: dt.date,
    limits: Mapping[str, int],
    each: float,
) -> dict[str, Choice]:
    """Per office, the cheapest choice such that the product of the offices' chances is
    at least that of each clearing with ``each``: the network's confidence when every
    office with a backlog is here."""
    planned = {code: office for code, office in offices.items() if office.backlog_total}
    in_money = all(office.window_day_cost is not None for office in planned.values())
    # The even share itself is always a level, so that some mix reaches the target.
    levels = sorted({each, *(min(0.9999, max(0.5, 1 - (1 - each) * f)) for f in TAIL_FACTORS)})
    options = {}
    for code, office in planned.items():
        found = {
            level: cheapest(office, spec, deadline, level, limits[code], in_money=in_money)
            for level in levels
        }
        # A level the office cannot reach is no bid for it: the even share stays, for the check.
        options[code] = [choice for choice, reaches in found.values() if reaches] or [
            found[each][0]
        ]
    chosen = least_cost(options, math.log(each) * len(planned))
    for code, office in offices.items():
        if code not in planned:  # nobody of the backlog here: only walk-ins to staff
            chosen[code] = cheapest(office, spec, deadline, each, limits[code], in_money=False)[0]
    return chosen


def least_cost(options: Mapping[str, list[Choice]], at_least: float) -> dict[str, Choice]:
    """One choice per office whose log-confidences sum to at least ``at_least``, at the
    least total cost: a Pareto front over the offices, one at a time."""
    front: list[tuple[float, float, tuple[tuple[str, Choice], ...]]] = [(0.0, 0.0, ())]
    for code, choices in options.items():
        grown = [
            (sure + math.log(choice.confidence), cost + choice.cost, (*picked, (code, choice)))
            for sure, cost, picked in front
            for choice in choices
        ]
        grown.sort(key=lambda item: (-item[0], item[1]))
        front = []
        for item in grown:  # keep each that costs less than every surer one
            if not front or item[1] < front[-1][1]:
                front.append(item)
    feasible = [item for item in front if item[0] >= at_least - 1e-9]
    # None when an office cannot reach even its even share: then the surest of all.
    best = min(feasible, key=lambda item: item[1]) if feasible else front[0]
    return dict(best[2])
