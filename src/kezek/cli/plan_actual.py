"""``kezek plan --actual``: what the live system knows, read for the planner.

The queue's served people per office per day, the bookings ahead and the windows in
service come from the database the settings name; the planner itself never touches it.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from kezek.db import read_session
from kezek.network.spec import NetworkSpec
from kezek.planning.actuals import Actuals, OfficeActual, coming, walk_ins_per_open_day
from kezek.planning.scenario import ScenarioSpec
from kezek.planning.scenario_offices import planning_offices
from kezek.queue.served import backlog_left, booked_ahead, served_by_day, windows_in_service


def read_actuals(spec: ScenarioSpec, network: NetworkSpec, today: dt.date | None) -> Actuals:
    """Each office's figures from the scenario's start to the day before ``today`` (by
    default, today in the first office's time zone)."""
    from kezek.cli.notify import _context

    context = _context()
    zone = ZoneInfo(next(o.timezone for o in network.offices if o.code == spec.offices[0].code))
    start = spec.scenario.start
    now = context.clock()
    if today is None:
        today = now.astimezone(zone).date()
    else:  # as of that day's beginning: bookings from then on are ahead
        now = dt.datetime.combine(today, dt.time(), tzinfo=zone)
    with read_session(context.sessions) as session:
        served = served_by_day(session, since=start)
        ahead = booked_ahead(session, now=now)
        windows = windows_in_service(session)
    offices, left_by_day = {}, {}
    for code, office in planning_offices(spec, network).items():
        mine = {day: n for day, n in served.get(code, {}).items() if day < today}
        left = backlog_left(
            coming(office, start),
            mine,
            start=start,
            today=today - dt.timedelta(days=1),
            walk_ins_per_open_day=walk_ins_per_open_day(office, start),
        )
        left_by_day[code] = left
        offices[code] = OfficeActual(
            served=sum(mine.values()),
            backlog_left=left[-1][1] if left else coming(office, start),
            booked_ahead=ahead.get(code, 0),
            windows=windows.get(code),
        )
    return Actuals(start, today, offices, left_by_day)
