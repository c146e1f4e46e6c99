"""Which assumption matters most: the clearance date and the windows needed, swung one at a time.

Each assumption is moved to the low and the high end of a plausible range while the others
stay as the scenario has them: the backlog ±20%, the no-shows from 5% to 30%, the newcomers
per day ±20%, the service time ±20%. The figures are the fluid rule's (the network's
clearance date at today's windows, and the booked windows it needs for each deadline with
its margin), which follows the simulation's median within days and takes milliseconds, so
eight variants of a network cost less than one simulated one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace

from kezek.i18n import N_
from kezek.planning.fluid import fluid_clearance
from kezek.planning.office_model import ServiceTimes
from kezek.planning.reach import office_confidence, windows_to_add
from kezek.planning.scenario import ScenarioSpec
from kezek.planning.scenario_offices import PlanningOffice

Change = Callable[[PlanningOffice, float], PlanningOffice]


@dataclass(frozen=True)
class Assumption:
    name: str  # for the catalogs and the JSON
    low: float
    high: float
    relative: bool  # a factor on the scenario's value, or the value itself
    change: Change

    def end(self, value: float) -> str:
        """One end of the range as people read it: −20%, +20%, or 5%."""
        return f"{value - 1:+.0%}" if self.relative else f"{value:.0%}"


def _backlog(office: PlanningOffice, factor: float) -> PlanningOffice:
    return replace(office, backlog=tuple(round(count * factor) for count in office.backlog))


def _no_show(office: PlanningOffice, share: float) -> PlanningOffice:
    return replace(office, behaviour=office.behaviour.model_copy(update={"no_show": share}))


def _newcomers(office: PlanningOffice, factor: float) -> PlanningOffice:
    return replace(office, demand_scale=office.demand_scale * factor)


def _service(office: PlanningOffice, factor: float) -> PlanningOffice:
    return replace(office, services=tuple(_scaled(s, factor) for s in office.services))


def _scaled(times: ServiceTimes, factor: float) -> ServiceTimes:
    return replace(
        times, mean=times.mean * factor, samples=tuple(x * factor for x in times.samples)
    )


ASSUMPTIONS = (
    Assumption(N_("backlog"), 0.8, 1.2, relative=True, change=_backlog),
    Assumption(N_("no-shows"), 0.05, 0.30, relative=False, change=_no_show),
    Assumption(N_("newcomers per day"), 0.8, 1.2, relative=True, change=_newcomers),
    Assumption(N_("service time"), 0.8, 1.2, relative=True, change=_service),
)


@dataclass(frozen=True)
class Outlook:
    """The fluid rule's answers for one set of assumptions."""

    clearance: dt.date | None  # the network at today's windows; None: not in the horizon
    windows: tuple[int | None, ...]  # booked and walk-in windows to add per deadline; None:
    # out of reach


@dataclass(frozen=True)
class Swing:
    assumption: Assumption
    low: Outlook
    high: Outlook

    def days(self, horizon: dt.date) -> int:
        """How many days the clearance date moves between the two ends."""
        low = self.low.clearance or horizon
        high = self.high.clearance or horizon
        return abs((high - low).days)


@dataclass(frozen=True)
class Sensitivity:
    base: Outlook
    swings: tuple[Swing, ...]
    horizon: dt.date

    def ranked(self) -> list[Swing]:
        """The assumptions, the one that moves the clearance date most first."""
        return sorted(self.swings, key=lambda swing: -swing.days(self.horizon))


def sensitivity(spec: ScenarioSpec, offices: dict[str, PlanningOffice]) -> Sensitivity:
    info = spec.scenario
    swings = tuple(
        Swing(
            assumption,
            outlook(spec, {c: assumption.change(o, assumption.low) for c, o in offices.items()}),
            outlook(spec, {c: assumption.change(o, assumption.high) for c, o in offices.items()}),
        )
        for assumption in ASSUMPTIONS
    )
    horizon = info.start + dt.timedelta(days=info.horizon_days - 1)
    return Sensitivity(outlook(spec, offices), swings, horizon)


def outlook(spec: ScenarioSpec, offices: dict[str, PlanningOffice]) -> Outlook:
    info = spec.scenario
    # As the plan's fluid column: the day the backlog is through more often than not.
    days = [
        fluid_clearance(office.model(start=info.start, days=info.horizon_days))
        for office in offices.values()
    ]
    clearance = (
        None
        if None in days
        else info.start + dt.timedelta(days=max(d for d in days if d is not None))
    )
    return Outlook(clearance, tuple(_windows_for(spec, offices, d) for d in info.deadlines))


def _windows_for(
    spec: ScenarioSpec, offices: dict[str, PlanningOffice], deadline: dt.date
) -> int | None:
    info = spec.scenario
    each = office_confidence(info.confidence, sum(1 for o in offices.values() if o.backlog_total))
    total = 0
    for office in offices.values():
        windows = windows_to_add(spec, office, deadline, each)
        if windows is None:
            return None
        total += windows
    return total
