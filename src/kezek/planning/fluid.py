"""The fluid rule: the booking line as a flow, day by day, with the backlog at its front.

Each day the day's bookers join the back of the line, the day's places take people from
its front, and a share ``no_show`` of those miss their time and book again at the back,
behind everyone who booked before them. The line is kept as stretches of people with how
many of them are of the initial backlog, so the backlog's last members are followed
through every round of missing and booking again. The backlog is through on the first day
that fewer than ``1 - tail`` of its members are expected still to be served: by Markov's
inequality, the chance that someone is still missing is then below ``1 - tail``.

Places only ever take people who are in line, so more places never clear later: the
search for the fewest windows may bisect. With a place for everyone on every open day,
the rule gives the earliest day that any number of windows could reach.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np

from kezek.planning.office_model import OfficeModel

_NOBODY = 1e-9  # a stretch of the line this thin is gone


@dataclass(frozen=True)
class Earliest:
    """The earliest day any number of windows could clear the backlog, and why."""

    day: int | None  # None: not within the model's days
    open_days: int  # open days it takes: the first pass and the misses' returns
    backlog: int
    no_show: float


def fluid_clearance(model: OfficeModel, *, margin_z: float = 0.0, tail: float = 0.5) -> int | None:
    """The day the last of the backlog is served by the fluid rule; None: not in time.

    ``margin_z`` takes that many standard deviations off the places used so far (the
    no-shows are binomial, the newcomers Poisson), for a plan that should hold on most runs.
    """
    places = model.places
    if margin_z:
        places = _with_margin(places, _bookers(model), model.no_show, margin_z)
    return _through(model, places, tail)


def earliest_clearance(model: OfficeModel, *, tail: float = 0.5) -> Earliest:
    """The fluid rule with a place for everyone in line on each day the office opens."""
    open_day = np.asarray([any(w.intervals for w in day) for day in model.windows])
    unlimited = np.where(open_day, math.inf, 0.0)
    day = _through(model, unlimited, tail)
    opened = int(open_day[: day + 1].sum()) if day is not None else int(open_day.sum())
    return Earliest(day=day, open_days=opened, backlog=model.backlog, no_show=model.no_show)


def _through(model: OfficeModel, places: np.ndarray, tail: float) -> int | None:
    """The booked part's day, or the door's last day if later: those of the backlog who
    walk in are served as they come, on windows staffed for them by Erlang C."""
    booked = through_on(
        places,
        _bookers(model),
        backlog=model.backlog - model.at_door,
        no_show=model.no_show,
        tail=tail,
        may_be_left=model.may_be_left,
    )
    door = door_done(model)
    if booked is None or door is None:
        return None
    return max(booked, door)


def door_done(model: OfficeModel) -> int | None:
    """The day the last of the backlog at the door comes; None: not within the model."""
    if not model.at_door:
        return 0
    open_days = np.cumsum([any(w.intervals for w in day) for day in model.windows])
    reached = np.nonzero(open_days >= model.door_days)[0]
    return int(reached[0]) if len(reached) else None


def through_on(
    places: np.ndarray,
    bookers: np.ndarray,
    *,
    backlog: float,
    no_show: float,
    tail: float,
    may_be_left: int = 0,
) -> int | None:
    """The first day on which fewer than ``1 - tail`` of the backlog are left to serve, or
    with a share-served target, no more than ``may_be_left``."""
    # Fewer than 1 - tail left, or no more than the target allows; a rounding error's worth
    # either way changes nothing, so more places never clear later.
    fewer_than = 1 - tail - 1e-9
    at_most = may_be_left + 1e-9 if may_be_left > 0 else -1.0
    if backlog < fewer_than or backlog <= at_most:
        return 0
    line: deque[list[float]] = deque([[float(backlog), float(backlog)]])  # people, of backlog
    left = float(backlog)
    for day, room in enumerate(places):
        _join(line, float(bookers[day]), 0.0)
        taken, of_backlog = _take(line, float(room))
        _join(line, taken * no_show, of_backlog * no_show)
        left -= of_backlog * (1 - no_show)
        if left < fewer_than or left <= at_most:
            return day
    return None


def _join(line: deque[list[float]], people: float, of_backlog: float) -> None:
    if people > _NOBODY:
        line.append([people, of_backlog])


def _take(line: deque[list[float]], room: float) -> tuple[float, float]:
    """Take up to ``room`` people from the front: how many, and how many of the backlog."""
    taken = of_backlog = 0.0
    while room > 0 and line:
        stretch = line[0]
        count = min(room, stretch[0])
        backlog_part = stretch[1] * count / stretch[0]
        taken += count
        of_backlog += backlog_part
        room -= count
        stretch[0] -= count
        stretch[1] -= backlog_part
        if stretch[0] <= _NOBODY:
            line.popleft()
    return taken, of_backlog


def _bookers(model: OfficeModel) -> np.ndarray:
    return np.asarray(model.daily_demand, dtype=float) * (1 - model.walk_in_share)


def _with_margin(places: np.ndarray, bookers: np.ndarray, no_show: float, z: float) -> np.ndarray:
    """Places per day less ``z`` standard deviations of the people they serve, so far."""
    offered = np.cumsum(places)
    spread = np.sqrt(offered * no_show * (1 - no_show) + np.cumsum(bookers))
    kept = np.maximum.accumulate(np.maximum(offered - z * spread / (1 - no_show), 0.0))
    return np.diff(kept, prepend=0.0)
