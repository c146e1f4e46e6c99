"""Plan against actual: the scenario re-forecast from today, from what the live system knows.

The live system knows the people served per office per day, the bookings still ahead and
the windows in service (``kezek.queue.served``). From them, the backlog still to serve is
estimated, and the scenario starts again today with it: the same offices, habits and
what-ifs, the newcomers from today, and the deadlines as they stand now, or moved.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kezek.planning.scenario import BEHAVIOUR_DEFAULTS, ScenarioSpec
from kezek.planning.scenario_offices import PlanningOffice


@dataclass(frozen=True)
class OfficeActual:
    """What the live system says of one office since the scenario's start."""

    served: int  # people served, every kind
    backlog_left: float  # of the backlog who come, estimated (kezek.queue.served)
    booked_ahead: int  # bookings still to come
    windows: int | None = None  # windows in service; None: not known


@dataclass(frozen=True)
class Actuals:
    """The live system's figures for every office, up to the day before ``today``."""

    start: dt.date  # the campaign's: the original scenario's start
    today: dt.date  # the re-forecast starts on it
    offices: Mapping[str, OfficeActual]
    left_by_day: Mapping[str, list[tuple[dt.date, float]]]  # the backlog left, day by day


class ReplanError(ValueError):
    """A re-plan that cannot be made as asked; the message names the option and the fix."""


def walk_ins_per_open_day(office: PlanningOffice, start: dt.date) -> float:
    """Newcomers who walk in on an open day, those of the closed days before it included."""
    model = office.model(start=start, days=14)
    open_days = sum(1 for day in model.windows if any(w.intervals for w in day))
    return sum(model.daily_demand) * model.walk_in_share / open_days if open_days else 0.0


def coming(office: PlanningOffice, start: dt.date) -> int:
    """Of the office's backlog, those who come."""
    return office.model(start=start, days=1).backlog


def with_deadlines(spec: ScenarioSpec, deadlines: Sequence[dt.date]) -> ScenarioSpec:
    """The scenario with its deadlines moved, the horizon long enough for them."""
    data = spec.model_dump(by_alias=True)
    _set_deadlines(data, spec.scenario.start, spec.scenario.horizon_days, deadlines)
    return _validated(data)


def reforecast(
    spec: ScenarioSpec,
    actual: Mapping[str, OfficeActual],
    *,
    today: dt.date,
    deadlines: Sequence[dt.date] | None = None,
) -> ScenarioSpec:
    """The scenario from ``today``: each office's backlog as the live system leaves it."""
    info = spec.scenario
    if today <= info.start:
        raise ReplanError(
            f"--today {today} is not after the scenario's start {info.start}; "
            "re-plan once the campaign has run a day or more"
        )
    last = info.start + dt.timedelta(days=info.horizon_days - 1)
    kept = [d for d in (deadlines or info.deadlines) if d > today]
    if not kept:
        raise ReplanError(
            f"every deadline is on or before {today}; give the new one with --deadline"
        )
    data = spec.model_dump(by_alias=True)
    data["scenario"]["start"] = today
    data["what_ifs"] = [
        what_if
        for what_if in data["what_ifs"]
        if all(change.get("to") is None or change["to"] > today for change in what_if["changes"])
    ]
    _set_deadlines(data, today, (last - today).days + 1, kept)
    data["defaults"]["door_days"] = data["defaults"]["door_days"] or BEHAVIOUR_DEFAULTS.door_days
    _door_goes_on(data["defaults"], info.start, today)
    for office in data["offices"]:
        _from_today(office, actual.get(office["code"]), start=info.start, today=today)
    return _validated(data)


def _set_deadlines(
    data: dict[str, Any], start: dt.date, horizon: int, deadlines: Sequence[dt.date]
) -> None:
    needed = (max(deadlines) - start).days + 1
    data["scenario"]["deadlines"] = sorted(set(deadlines))[:5]
    data["scenario"]["horizon_days"] = min(3 * 365, max(horizon, needed, 7))


def _from_today(
    office: dict[str, Any], actual: OfficeActual | None, *, start: dt.date, today: dt.date
) -> None:
    """One office's part of the scenario, from today."""
    total = sum(office["backlog"].values())
    if actual is not None and total:
        left = max(0.0, actual.backlog_left)
        office["backlog"] = {
            code: round(count * left / total) for code, count in office["backlog"].items()
        }
        office["never_come"] = 0.0  # the estimate counts only those who come
    per_day, changes = office["daily_demand"], []
    for change in office["demand_changes"]:
        if change["from"] <= today:
            per_day = change["per_day"]
        else:
            changes.append(change)
    office["daily_demand"], office["demand_changes"] = per_day, changes
    if office.get("windows_from") is not None and office["windows_from"] <= today:
        office["windows_from"] = None
    _door_goes_on(office, start, today)


def _door_goes_on(habits: dict[str, Any], start: dt.date, today: dt.date) -> None:
    """Those at the door keep coming for the open days they had left."""
    if habits.get("door_days") is not None:
        habits["door_days"] = max(1, habits["door_days"] - _weekdays(start, today))


def _weekdays(start: dt.date, today: dt.date) -> int:
    return sum((start + dt.timedelta(days=n)).weekday() < 5 for n in range((today - start).days))


def _validated(data: dict[str, Any]) -> ScenarioSpec:
    try:
        return ScenarioSpec.model_validate(data)
    except ValueError as exc:
        raise ReplanError(str(exc)) from None
