"""Actual against plan: the backlog left, estimated from those served, beside the plan's."""

from __future__ import annotations

import datetime as dt
from typing import Any

from kezek.web.campaign_progress import campaign_progress

START = dt.date(2025, 4, 1)


def _plan() -> dict[str, Any]:
    # One office: 1,000 who come; at today's windows 50 fewer a day, with the windows
    # recommended for 30 April 100 fewer a day; 10 newcomers walk in on an open day.
    today = [max(0, 1_000 - 50 * (n + 1)) for n in range(40)]
    planned = [max(0, 1_000 - 100 * (n + 1)) for n in range(40)]
    medians = {"today": today, "2025-04-30": planned}
    return {
        "scenario": {"deadlines": ["2025-04-30"]},
        "burndown": {
            "start": START.isoformat(),
            "network": medians,
            "offices": {"kzn": medians},
            "inputs": {"kzn": {"coming": 1_000, "walk_ins_per_open_day": 10}},
        },
    }


def test_an_office_behind_the_plan_is_said_so_in_people_and_in_days() -> None:
    # 70 served on each of four days (60 of the backlog); today's do not count yet.
    served = {"kzn": {START + dt.timedelta(days=n): 70 for n in range(5)}}

    found = campaign_progress(_plan(), served, START + dt.timedelta(days=4))

    assert found is not None
    (kazan, network), chart = found
    assert (kazan.served, kazan.left) == (280, 760.0)
    # At the end of yesterday (4 April) the plan had 1,000 - 4 × 100 = 600 left with the
    # windows recommended, 800 at today's. It was down to 760 by the end of 3 April (700):
    # one day behind.
    assert (kazan.planned, kazan.at_today_windows) == (600.0, 800.0)
    assert kazan.deadline == "2025-04-30" and kazan.days_behind == 1
    assert (network.code, network.left, network.days_behind) == (None, 760.0, 1)
    assert set(chart.lines) == {"today", "planned", "actual"}
    assert len(chart.lines["actual"].split()) == 4


def test_nothing_is_shown_before_the_start_or_for_a_plan_without_its_burndown() -> None:
    assert campaign_progress(_plan(), {}, START) is None
    assert campaign_progress({"scenario": {"deadlines": []}}, {}, START) is None


def test_once_every_deadline_has_passed_only_today_windows_are_compared() -> None:
    found = campaign_progress(_plan(), {}, dt.date(2025, 5, 5))

    assert found is not None
    (kazan, _), chart = found
    assert kazan.deadline is None and kazan.planned is None and kazan.days_behind is None
    assert kazan.left == 1_000 and "planned" not in chart.lines


def test_an_office_that_served_nobody_is_as_far_behind_as_days_have_passed() -> None:
    found = campaign_progress(_plan(), {}, START + dt.timedelta(days=1))

    assert found is not None
    (kazan, _), _ = found
    # On the first morning after the start: the plan was at 900 by then, the office at
    # 1,000, where the plan was the day before it began.
    assert kazan.left == 1_000 and kazan.days_behind == 1
    assert kazan.behind_today_windows == 50


def test_the_chart_marks_round_numbers_and_stays_within_its_box() -> None:
    plan = _plan()
    plan["burndown"]["network"] = {
        key: [value * 132 for value in series]
        for key, series in plan["burndown"]["network"].items()
    }

    found = campaign_progress(plan, {}, START + dt.timedelta(days=4))

    assert found is not None
    _, chart = found
    assert [people for _, people in chart.y_marks] == [0, 50_000, 100_000, 150_000]
    for line in chart.lines.values():
        for point in line.split():
            x, y = map(float, point.split(","))
            assert chart.left <= x <= chart.width and 0 <= y <= chart.height - chart.bottom
