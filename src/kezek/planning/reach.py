"""Whether a deadline is within an office's reach, and the fluid rule's windows for it.

Shared by the planner, which checks its answers by simulation, and the sensitivity
analysis, which asks the fluid rule alone.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from statistics import NormalDist

import numpy as np

from kezek.planning.fluid import door_done, earliest_clearance, fluid_clearance
from kezek.planning.office_model import OfficeModel, WindowDay
from kezek.planning.scenario import ScenarioSpec
from kezek.planning.scenario_offices import AddedWindows, PlanningOffice
from kezek.planning.staffing import (
    HourlyMethod,
    ServiceLevel,
    offered_load_by_hour,
    windows_needed,
)

MAX_ADDED = 200  # windows one office may add when the scenario gives no max_windows


@dataclass(frozen=True)
class OutOfReach:
    """Why no number of windows makes a deadline, and the earliest date within reach.

    ``reason`` is one of:

    * ``misses``: however many places there are, a share ``no_show`` of those booked miss
      their time and book again, so the last of the ``backlog`` take ``open_days`` open days;
    * ``closed``: nobody misses, but the office does not open soon enough;
    * ``door``: those of the backlog who walk in come to the door until after the deadline
      (``earliest`` is the day the last of them comes);
    * ``late``: the added windows open only on ``opens_on``, after the deadline (``earliest``
      is then with today's windows);
    * ``premises``: more than the ``limit`` windows the scenario lets the premises add;
    * ``bound``: more than the ``limit`` windows the planner adds where the scenario gives
      no ``max_windows``.
    """

    reason: str
    earliest: dt.date | None  # None: not within the horizon
    backlog: int  # of those who come
    open_days: int
    no_show: float
    limit: int | None = None
    opens_on: dt.date | None = None
    extras: frozenset[str] = frozenset()  # the extra hours it was tried with


def office_confidence(confidence: float, offices: int) -> float:
    """The share each office must clear with so that the network clears with ``confidence``.

    The offices' runs are independent (each has its own seed stream), so the chance that
    all of them clear is the product of theirs.
    """
    return float(confidence ** (1 / max(offices, 1)))


def added(
    office: PlanningOffice,
    deadline: dt.date,
    booked: int,
    walk_ins: int,
    extras: frozenset[str] = frozenset(),
    door: int = 0,
) -> PlanningOffice:
    """The office with windows, and the named extra hours, added from the day they can
    open until the deadline; and ``door`` walk-in windows while the backlog comes to the
    door."""
    start = max(office.demand[0][0], office.windows_from or office.demand[0][0])
    if door:
        days = (deadline - office.demand[0][0]).days + 1
        last = min(deadline, door_closes(office, office.demand[0][0], days) or deadline)
        office = office.with_windows(AddedWindows(door, start, last, bookable=False))
    if extras:
        office = office.with_extras(extras, start, deadline)
    if booked:
        office = office.with_windows(AddedWindows(booked, start, deadline))
    if walk_ins:
        office = office.with_windows(AddedWindows(walk_ins, start, deadline, bookable=False))
    return office


def fluid_windows(
    office: PlanningOffice,
    spec: ScenarioSpec,
    days: int,
    each: float,
    walk_ins: int,
    limit: int,
    extras: frozenset[str] = frozenset(),
) -> int:
    """The fewest booked windows, at most ``limit``, for which the fluid rule less its
    margin clears in time in a share ``each`` of runs (``limit`` if none does: the
    simulation will tell).

    More windows never clear later, so the search gallops up and then bisects.
    """
    deadline = spec.scenario.start + dt.timedelta(days=days - 1)
    z = NormalDist().inv_cdf(each)

    def clears(booked: int) -> bool:
        cleared = _fluid_with(
            office, spec, deadline, booked, walk_ins, each, margin_z=z, extras=extras
        )
        return cleared is not None and cleared <= days - 1

    if limit <= 0 or clears(0):
        return 0
    low, high = 0, 1
    while not clears(high):
        if high >= limit:
            return limit
        low, high = high, min(high * 2, limit)
    while high - low > 1:
        middle = (low + high) // 2
        if clears(middle):
            high = middle
        else:
            low = middle
    return high


def _fluid_with(
    office: PlanningOffice,
    spec: ScenarioSpec,
    deadline: dt.date,
    booked: int,
    walk_ins: int,
    each: float,
    *,
    margin_z: float = 0.0,
    extras: frozenset[str] = frozenset(),
) -> int | None:
    """The fluid rule's clearance day with windows added until ``deadline``."""
    days = (deadline - spec.scenario.start).days + 1
    planned = added(office, deadline, booked, walk_ins, extras)
    model = planned.model(start=spec.scenario.start, days=days)
    return fluid_clearance(model, margin_z=margin_z, tail=each)


def most_added(office: PlanningOffice, spec: ScenarioSpec) -> int:
    """The most windows the office may add: what its premises hold beyond today's."""
    if office.max_windows is None:
        return MAX_ADDED
    today = office.model(start=spec.scenario.start, days=14)
    return max(0, office.max_windows - usual_windows(today))


def out_of_reach(
    office: PlanningOffice,
    spec: ScenarioSpec,
    deadline: dt.date,
    each: float,
    limit: int,
    *,
    earliest_with_all: bool = True,
) -> OutOfReach | None:
    """Why ``deadline`` is out of the office's reach, or None if some windows make it.

    First, however many places there are: the backlog's last members cannot be through
    before the day the fluid rule gives with a place for everyone on every open day.
    Then with the windows opening when they can, and with the most the office may add,
    with every extra hour the scenario allows. Without ``earliest_with_all``, the date
    all of them would reach is not looked for (a table that only asks "in reach?").
    """
    info = spec.scenario
    if not office.backlog_total:
        return None
    days = (deadline - info.start).days + 1
    model = office.model(start=info.start, days=info.horizon_days)
    everything = frozenset(extra.name for extra in office.extras)
    horizon = info.start + dt.timedelta(days=info.horizon_days - 1)
    # With every Saturday the scenario allows, more days are open: the earliest is sooner.
    widest = (
        added(office, horizon, 0, 0, everything).model(start=info.start, days=info.horizon_days)
        if everything
        else model
    )
    earliest = earliest_clearance(widest, tail=each)

    def beyond(
        reason: str, day: int | None, limit: int | None = None, opens_on: dt.date | None = None
    ) -> OutOfReach:
        return OutOfReach(
            reason,
            _date_of(info.start, day),
            model.backlog,
            earliest.open_days,
            model.no_show,
            limit=limit,
            opens_on=opens_on,
        )

    door = door_done(widest)
    if door is None or door > days - 1:  # the earliest day counts the door's last day in
        return beyond("door", earliest.day)
    if earliest.day is None or earliest.day > days - 1:
        return beyond("misses" if model.no_show > 0 else "closed", earliest.day)
    # Windows for walk-ins, and for the backlog at the door, take their room first.
    reserved = min(limit, walk_in_windows(office, spec, days) + door_windows(office, spec, days))
    booked = limit - reserved
    at_most = _fluid_with(office, spec, deadline, booked, 0, each, extras=everything)
    if at_most is not None and at_most <= days - 1:
        return None
    if office.windows_from is not None and office.windows_from > deadline:
        return beyond("late", fluid_clearance(model, tail=each), opens_on=office.windows_from)
    reached = (
        _fluid_with(office, spec, horizon, booked, 0, each, extras=everything)
        if earliest_with_all
        else None
    )
    found = beyond("premises" if office.max_windows is not None else "bound", reached, limit)
    return replace(found, extras=everything)


def _date_of(start: dt.date, day: int | None) -> dt.date | None:
    return None if day is None else start + dt.timedelta(days=day)


def walk_in_windows(office: PlanningOffice, spec: ScenarioSpec, days: int) -> int:
    """Walk-in windows to add so walk-ins wait within the target, by Erlang C per hour."""
    model = office.model(start=spec.scenario.start, days=min(days, 14))
    open_days = [day for day in model.windows if any(w.intervals for w in day)]
    if not open_days:
        return 0
    walk_ins = walk_ins_per_open_day(model)
    free_now = sum(1 for w in open_days[0] if w.intervals and not w.bookable)
    return max(0, _erlang_windows(model, spec, open_days[0], walk_ins) - free_now)


def door_windows(office: PlanningOffice, spec: ScenarioSpec, days: int) -> int:
    """Walk-in windows to add while those of the backlog come to the door, on top of
    those for the newcomers who walk in."""
    model = office.model(start=spec.scenario.start, days=min(days, 14))
    open_days = [day for day in model.windows if any(w.intervals for w in day)]
    if not open_days or not model.at_door:
        return 0
    walk_ins = walk_ins_per_open_day(model)
    door = model.at_door / model.door_days
    newcomers = _erlang_windows(model, spec, open_days[0], walk_ins)
    return _erlang_windows(model, spec, open_days[0], walk_ins + door) - newcomers


def walk_ins_per_open_day(model: OfficeModel) -> float:
    """New walk-ins of an open day, those of the closed days before it included."""
    open_days = sum(1 for day in model.windows if any(w.intervals for w in day))
    if not open_days:
        return 0.0
    return float(np.sum(model.daily_demand)) * model.walk_in_share / open_days


def door_closes(office: PlanningOffice, start: dt.date, days: int) -> dt.date | None:
    """The day the last of the backlog at the door comes, within ``days`` from ``start``."""
    model = office.model(start=start, days=days)
    done = door_done(model)
    return None if done is None else start + dt.timedelta(days=done)


def _erlang_windows(
    model: OfficeModel, spec: ScenarioSpec, day: Sequence[WindowDay], walk_ins: float
) -> int:
    """Windows for ``walk_ins`` a day to wait within the target, at the busiest hour."""
    hours = _open_hours(day)
    profile = np.asarray(model.hourly_profile)[hours]
    if walk_ins <= 0 or profile.sum() <= 0:
        return 0
    arrivals = walk_ins * profile / profile.sum()
    loads = offered_load_by_hour(
        arrivals.tolist(),
        mean_service_hours=model.mean_service / 60,
        method=HourlyMethod.modified_offered_load,
    )
    # More load never needs fewer windows: the busiest hour's answer is the day's.
    return windows_needed(
        max(loads),
        ServiceLevel(
            share=spec.scenario.wait_share,
            within=spec.scenario.wait_within_minutes / model.mean_service,
        ),
    )


def _open_hours(day: Sequence[WindowDay]) -> list[int]:
    hours: set[int] = set()
    for window in day:
        for opens, closes in window.intervals:
            hours.update(range(opens // 60, math.ceil(closes / 60)))
    return sorted(hours)


def usual_windows(model: OfficeModel) -> int:
    counts = [sum(1 for w in day if w.intervals) for day in model.windows[:14]]
    open_counts = [count for count in counts if count]
    return max(set(open_counts), key=open_counts.count) if open_counts else 0


def windows_to_add(
    spec: ScenarioSpec, office: PlanningOffice, deadline: dt.date, each: float
) -> int | None:
    """The fluid rule's windows to add (booked, walk-in, and at the door while the backlog
    comes to it) for the office to clear by ``deadline`` in a share ``each`` of runs;
    None when out of reach."""
    limit = most_added(office, spec)
    if out_of_reach(office, spec, deadline, each, limit, earliest_with_all=False) is not None:
        return None
    days = (deadline - spec.scenario.start).days + 1
    walk_ins = min(walk_in_windows(office, spec, days), limit)
    door = min(door_windows(office, spec, days), limit - walk_ins)
    booked = fluid_windows(office, spec, days, each, walk_ins, limit - walk_ins - door)
    return walk_ins + door + booked
