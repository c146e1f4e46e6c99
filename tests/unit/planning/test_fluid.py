"""The fluid rule: the booking line as a flow, worked by hand, and never later with more places."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from kezek.planning.fluid import earliest_clearance, fluid_clearance, through_on
from kezek.planning.office_model import ServiceTimes, WindowDay, simulate_office
from kezek.planning.runs import Job, run_jobs

from .one_office import DAY, three_windows

_model = three_windows


def test_the_backlog_is_through_when_the_places_cover_it() -> None:
    # 3 windows × 54 places = 162 a day: 1,000 need 7 days (the 7th day is index 6).
    assert fluid_clearance(_model()) == 6


def test_newcomers_book_behind_a_backlog_that_comes() -> None:
    # Nobody misses: the backlog is first in line, however many book behind it.
    assert fluid_clearance(_model(daily_demand=(60.0,) * 30)) == 6
    assert fluid_clearance(_model(daily_demand=(300.0,) * 30)) == 6


def test_the_last_missers_come_back_round_after_round() -> None:
    # 145.8 of 162 come each day: 125.2 are left for day 6, of whom 12.52 miss; then 1.25
    # on day 7, and 0.125 (fewer than half a person) after day 8.
    assert fluid_clearance(_model(no_show=0.1)) == 8


def test_a_misser_waits_behind_those_who_booked_before_them() -> None:
    # 100 of the backlog, 50 places a day, half miss. Alone, day 0 takes 50 (25 miss and
    # book again at the back), day 1 the other 50 (25 miss), day 2 the 50 missers, and so
    # on: 100 → 75 → 50 → 25 → 12.5 → … → 0.39 left after day 8.
    places = np.full(1_000, 50.0)
    assert through_on(places, np.zeros(1_000), backlog=100, no_show=0.5, tail=0.5) == 8
    # With 100 booking each day, a misser waits behind everyone who booked before them, a
    # line that grows by 50 a day: the backlog still gets out, but much later.
    behind = through_on(places, np.full(1_000, 100.0), backlog=100, no_show=0.2, tail=0.5)
    alone = through_on(places, np.zeros(1_000), backlog=100, no_show=0.2, tail=0.5)
    assert (alone, behind) == (4, 30)


def test_places_that_cannot_keep_up_still_clear_the_backlog_as_the_simulation_does() -> None:
    # Newcomers outgrow the places, as when a fifth of Moscow's demand went to St Petersburg:
    # the backlog still gets out, and the fluid day is near the simulated median.
    days = 200
    model = _model(
        windows=(DAY * 3,) * days,
        daily_demand=(300.0,) * days,
        no_show=0.1,
        walk_in_share=0.0,
    )
    fluid = fluid_clearance(model)
    runs = next(iter(run_jobs([Job(model, 0, days)], runs=40, seed=1, processes=1).values()))
    cleared = runs.cleared_on[runs.cleared_on >= 0]
    assert fluid is not None and len(cleared) >= 36
    assert abs(fluid - float(np.median(runs.cleared_on))) <= 10


@settings(max_examples=200, deadline=None)
@given(
    base=st.lists(st.floats(0, 400), min_size=5, max_size=40),
    more=st.lists(st.floats(0, 100), min_size=40, max_size=40),
    bookers=st.floats(0, 300),
    no_show=st.floats(0, 0.5),
    backlog=st.integers(0, 5_000),
)
def test_more_places_never_clear_later(
    base: list[float], more: list[float], bookers: float, no_show: float, backlog: int
) -> None:
    places = np.asarray(base)
    extra = places + np.asarray(more[: len(base)])
    arrivals = np.full(len(base), bookers)
    before = through_on(places, arrivals, backlog=backlog, no_show=no_show, tail=0.9)
    after = through_on(extra, arrivals, backlog=backlog, no_show=no_show, tail=0.9)
    if before is not None:
        assert after is not None and after <= before


def test_the_earliest_any_number_of_windows_could_reach() -> None:
    # Everyone booked at once; a tenth miss each time: 1,000 → 100 → 10 → 1 → 0.1 → 0.01.
    # Fewer than 0.1 (1 - 0.9) are left after the fifth open day.
    earliest = earliest_clearance(_model(no_show=0.1), tail=0.9)
    assert (earliest.day, earliest.open_days) == (4, 5)
    # Closed days do not count: with the office shut every other day it takes twice as long.
    closed = (WindowDay(()),) * 3
    alternate = tuple(DAY * 3 if n % 2 == 0 else closed for n in range(30))
    later = earliest_clearance(_model(no_show=0.1, windows=alternate), tail=0.9)
    assert (later.day, later.open_days) == (8, 5)


def test_a_slightly_shorter_service_gives_slightly_more_places_not_a_jump() -> None:
    # 240-minute half-days and a 10.05-minute slot: 23.88 places a half-day. Dropping the
    # leftover minutes each half-day gave 23; carrying them gives 47 or 48 a day.
    half_days = (WindowDay(((540, 780), (840, 1080))),)
    model = _model(windows=(half_days * 4,) * 30, slot_minutes=10.05)
    per_day = model.places
    assert set(per_day.tolist()) <= {191.0, 192.0}
    assert per_day.sum() == int(30 * 4 * 480 / 10.05)
    shorter = replace(model, slot_minutes=10.05 * 0.995)
    assert 0 <= shorter.places.sum() - per_day.sum() <= 0.006 * per_day.sum() + 1
    days = (
        fluid_clearance(replace(model, backlog=5_000)),
        fluid_clearance(replace(shorter, backlog=5_000)),
    )
    assert days[0] is not None and days[1] is not None and 0 <= days[0] - days[1] <= 1


def test_the_places_of_a_day_are_spread_over_its_bookable_minutes() -> None:
    one_hour = (WindowDay(((540, 600),)), WindowDay(((540, 600),), bookable=False))
    model = _model(
        windows=(one_hour,),
        backlog=6,
        daily_demand=(0.0,),
        services=(ServiceTimes(5.0, distribution="empirical", samples=(5.0,)),),
        arrive_early_minutes=0.0,
        punctuality_minutes=0.0,
    )
    # One bookable hour at 10-minute slots: six places, 09:00 to 09:50; none at the other.
    np.testing.assert_allclose(model.grid[0], [540, 550, 560, 570, 580, 590])
    run = simulate_office(model, rng=np.random.default_rng(0))
    assert run.backlog_served[0] == 6
