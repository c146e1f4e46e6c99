"""What the opening date of the added windows does: the later they open, the more it takes.

For each deadline and office, the windows to add (booked and walk-in) if they can open on
the start date, or one, two, three or four weeks later, by the fluid rule with its margin,
as the planner's first guess is made. A ministry reads it as the price of a week's delay.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from kezek.planning.reach import office_confidence, windows_to_add
from kezek.planning.scenario import ScenarioSpec
from kezek.planning.scenario_offices import PlanningOffice

WEEKS_LATER = (0, 1, 2, 3, 4)


@dataclass(frozen=True)
class LeadTimes:
    deadline: dt.date
    opens: tuple[dt.date, ...]  # the dates the added windows could open
    windows: dict[str, tuple[int | None, ...]]  # per office and date; None: out of reach


def lead_times(spec: ScenarioSpec, offices: dict[str, PlanningOffice]) -> list[LeadTimes]:
    info = spec.scenario
    each = office_confidence(info.confidence, sum(1 for o in offices.values() if o.backlog_total))
    found = []
    for deadline in info.deadlines:
        opens = tuple(
            day
            for weeks in WEEKS_LATER
            if (day := info.start + dt.timedelta(weeks=weeks)) <= deadline
        )
        found.append(
            LeadTimes(
                deadline,
                opens,
                {
                    code: _by_opening(spec, office, deadline, each, opens)
                    for code, office in offices.items()
                },
            )
        )
    return found


def _by_opening(
    spec: ScenarioSpec,
    office: PlanningOffice,
    deadline: dt.date,
    each: float,
    opens: tuple[dt.date, ...],
) -> tuple[int | None, ...]:
    """The windows to add for each opening date. Once out of reach, a later opening is
    too: it is not asked again."""
    found: list[int | None] = []
    for day in opens:
        if found and found[-1] is None:
            found.append(None)
            continue
        found.append(windows_to_add(spec, replace(office, windows_from=day), deadline, each))
    return tuple(found)
