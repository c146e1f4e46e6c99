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

from kezek.planning import reach
from kezek.planning.scenario import BEHAVIOUR_DEFAULTS, Change, MoveDeadline, ScenarioSpec
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
    """Newcomers who walk in on an open day of the first fortnight."""
    return reach.walk_ins_per_open_day(office.model(start=start, days=14))


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
        data["what_ifs"][n]
        for n, what_if in enumerate(spec.what_ifs)
        if all(_still_ahead(change, today) for change in what_if.changes)
    ]
    _set_deadlines(data, today, (last - today).days + 1, kept)
    defaults = data["defaults"]
    for office in data["offices"]:
        _door_left(office, defaults, actual.get(office["code"]), start=info.start, today=today)
        _from_today(office, actual.get(office["code"]), start=info.start, today=today)
    defaults["backlog_at_door"] = 0.0  # each office now says its own
    return _validated(data)


def _still_ahead(change: Change, today: dt.date) -> bool:
    """Whether a what-if's change still has days ahead: one that ended is dropped."""
    if isinstance(change, MoveDeadline):
        return change.to > today
    last = getattr(change, "last", None)
    return last is None or last > today


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


def _door_left(
    office: dict[str, Any],
    defaults: dict[str, Any],
    actual: OfficeActual | None,
    *,
    start: dt.date,
    today: dt.date,
) -> None:
    """Those of the backlog still to come to the door, as a share of what is left: none
    once the door's days are over, else its part for the days it has left."""
    share = _first(office.get("backlog_at_door"), defaults.get("backlog_at_door"))
    days = _first(office.get("door_days"), defaults.get("door_days"), BEHAVIOUR_DEFAULTS.door_days)
    gone = _weekdays(start, today)
    total = sum(office["backlog"].values())
    if actual is None or not share or gone >= days or not actual.backlog_left:
        office["backlog_at_door"] = 0.0 if actual is not None else share
        return
    coming = total * (1 - _first(office.get("never_come"), defaults.get("never_come"), 0.0))
    still = coming * share * (days - gone) / days
    office["backlog_at_door"] = min(1.0, still / actual.backlog_left)
    office["door_days"] = days - gone


def _first(*values: Any) -> Any:
    return next((value for value in values if value is not None), None)


def _weekdays(start: dt.date, today: dt.date) -> int:
    return sum((start + dt.timedelta(days=n)).weekday() < 5 for n in range((today - start).days))


def _validated(data: dict[str, Any]) -> ScenarioSpec:
    try:
        return ScenarioSpec.model_validate(data)
    except ValueError as exc:
        raise ReplanError(str(exc)) from None
