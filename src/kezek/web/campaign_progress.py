"""Actual against plan on the managers' dashboard: the backlog left, live, beside the plan's.

The plan (``report.json``) holds each office's median backlog left day by day, at today's
windows and with the windows recommended for each deadline, and what it takes to estimate
the backlog left from the people served (``kezek.queue.served.backlog_left``). The live
queue gives those served; so a manager sees each morning whether the campaign keeps to
the plan, how far behind it is in people and in days, and a chart of both lines. Drawn
as SVG here: a web worker loads no plotting library.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kezek.queue.served import backlog_left

# The chart's view box and its left and bottom margins: small, so that on a 360-pixel
# phone its words are still 10 pixels high; a wide screen caps its width (site.css).
WIDTH, HEIGHT, LEFT, BOTTOM = 420, 240, 58, 26


@dataclass(frozen=True)
class Progress:
    """One office, or the whole network (``code`` None), on the morning of ``today``."""

    code: str | None
    served: int  # from the plan's start to yesterday
    left: float  # the backlog left, estimated from those served
    at_today_windows: float | None  # the plan's median at today's windows, this morning
    planned: float | None  # its median with the windows recommended for ``deadline``
    deadline: str | None  # the first deadline still ahead
    days_behind: int | None  # how many days later the plan is down to ``left``; < 0: ahead

    @property
    def behind_today_windows(self) -> float | None:
        """People left beyond the plan at today's windows; < 0: fewer, ahead of it."""
        return None if self.at_today_windows is None else self.left - self.at_today_windows


@dataclass(frozen=True)
class Chart:
    """The network's lines as SVG points, with the axes' marks."""

    lines: dict[str, str]  # "today", "planned", "actual" -> "x,y x,y ..."
    deadline_x: float | None
    today_x: float
    y_marks: list[tuple[float, int]]  # (y, people)
    x_marks: list[tuple[float, dt.date]]
    over_a_year: bool  # the marks then show the year too
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    bottom: int = BOTTOM


def campaign_progress(
    plan: Mapping[str, Any], served: Mapping[str, Mapping[dt.date, int]], today: dt.date
) -> tuple[list[Progress], Chart] | None:
    """Each office and the network against the plan; None before the plan's start or with
    a plan written before it carried its burndown."""
    burndown = plan.get("burndown")
    if not burndown or "inputs" not in burndown:
        return None
    start = dt.date.fromisoformat(burndown["start"])
    if today <= start:
        return None
    deadline = next((d for d in plan["scenario"]["deadlines"] if d >= today.isoformat()), None)
    day = (today - start).days  # this morning: the days before today are done
    left_by_office = {
        code: backlog_left(
            inputs["coming"],
            served.get(code, {}),
            start=start,
            today=today - dt.timedelta(days=1),
            walk_ins_per_open_day=inputs["walk_ins_per_open_day"],
        )
        for code, inputs in burndown["inputs"].items()
    }
    done = {
        code: {date: n for date, n in served.get(code, {}).items() if date < today}
        for code in left_by_office
    }
    inputs = burndown["inputs"]
    at = (day - 1, deadline)  # the series hold what is left at the end of each day
    rows = [
        _progress(code, burndown["offices"][code], left[-1][1], done[code], inputs[code], at)
        for code, left in left_by_office.items()
    ]
    dates = [start + dt.timedelta(days=n) for n in range(day)]
    actual = [sum(found[n][1] for found in left_by_office.values()) for n in range(day)]
    everyone = {date: sum(office.get(date, 0) for office in done.values()) for date in dates}
    coming = {"coming": sum(office["coming"] for office in inputs.values())}
    network = _progress(None, burndown["network"], actual[-1], everyone, coming, at)
    return [*rows, network], _chart(burndown["network"], actual, start, today, deadline)


def _progress(
    code: str | None,
    medians: Mapping[str, Sequence[int]],
    left: float,
    served: Mapping[dt.date, int],
    inputs: Mapping[str, float],
    at: tuple[int, str | None],
) -> Progress:
    """One office, or the network, against the plan's medians at the end of yesterday."""
    yesterday, deadline = at
    planned = medians.get(deadline) if deadline else None
    return Progress(
        code=code,
        served=sum(served.values()),
        left=left,
        at_today_windows=_on(medians["today"], yesterday),
        planned=_on(planned, yesterday),
        deadline=deadline,
        days_behind=None
        if planned is None
        else _days_behind(planned, left, yesterday, inputs["coming"]),
    )


def _on(series: Sequence[int] | None, day: int) -> float | None:
    if not series:
        return None
    return float(series[min(day, len(series) - 1)])


def _days_behind(planned: Sequence[int], left: float, day: int, coming: float) -> int | None:
    """How many days after the plan was down to ``left`` the office is (< 0: before);
    None: the plan never is. Before its first day the plan had all who come."""
    series = [coming, *planned]
    reached = next((n for n, value in enumerate(series) if value <= left), None)
    return None if reached is None else day - (reached - 1)


def _chart(
    medians: Mapping[str, Sequence[int]],
    actual: Sequence[float],
    start: dt.date,
    today: dt.date,
    deadline: str | None,
) -> Chart:
    ends = [dt.date.fromisoformat(deadline)] if deadline else []
    last = max([today + dt.timedelta(days=14), *ends])
    days = (last - start).days + 1
    step, top = _nice_top(max([*medians["today"][:days], *actual, 1]))

    def point(n: int, people: float) -> str:
        return f"{_x(n, days):.1f},{_y(people, top):.1f}"

    lines = {"today": " ".join(point(n, v) for n, v in enumerate(medians["today"][:days]))}
    if deadline and deadline in medians:
        planned = medians[deadline][:days]
        lines["planned"] = " ".join(point(n, v) for n, v in enumerate(planned))
    lines["actual"] = " ".join(point(n, v) for n, v in enumerate(actual))
    every = max(1, days // 4)
    return Chart(
        lines=lines,
        deadline_x=_x((ends[0] - start).days, days) if ends else None,
        today_x=_x((today - start).days, days),
        y_marks=[(_y(people, top), people) for people in range(0, top + 1, step)],
        # Marks clear of the right edge, where a date would be cut.
        x_marks=[
            (_x(n, days), start + dt.timedelta(days=n))
            for n in range(0, days, every)
            if _x(n, days) < WIDTH - 30
        ],
        over_a_year=days > 300,
    )


def _nice_top(most: float) -> tuple[int, int]:
    """A round step (1, 2 or 5 times a power of ten) giving two to five marks, and the
    first multiple of it at or above ``most``."""
    power = 10 ** max(0, math.floor(math.log10(most)) - 1) if most >= 10 else 1
    for factor in (1, 2, 5, 10, 20, 50, 100):
        step = factor * power
        if math.ceil(most / step) <= 4:
            return step, step * math.ceil(most / step)
    return step, step * math.ceil(most / step)


def _x(day: int, days: int) -> float:
    return LEFT + (WIDTH - LEFT - 10) * day / max(days - 1, 1)


def _y(people: float, top: float) -> float:
    return 8 + (HEIGHT - BOTTOM - 8) * (1 - people / top)
