"""One office over many days: what the bookkeeping between days must keep."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kezek.planning.office_model import (
    Kind,
    OfficeModel,
    ServiceTimes,
    WindowDay,
    simulate_office,
)

MORNING_AND_AFTERNOON = ((540, 780), (840, 1080))
WEEK = 7


def office(
    *,
    windows: int = 4,
    walk_in_only: int = 1,
    days: int = 60,
    backlog: int = 1_000,
    **habits: object,
) -> OfficeModel:
    """Open Monday to Friday; the last ``walk_in_only`` windows take no bookings."""
    open_day = tuple(
        WindowDay(MORNING_AND_AFTERNOON, bookable=n < windows - walk_in_only, corridor=n == 0)
        for n in range(windows)
    )
    closed = tuple(WindowDay(()) for _ in range(windows))
    settings: dict[str, object] = {
        "services": (ServiceTimes(12, 0.5, "lognormal"), ServiceTimes(8)),
        "mix": (0.7, 0.3),
        "daily_demand": (30.0,) * days,
        "slot_minutes": 11.0,
    }
    settings.update(habits)
    return OfficeModel(
        code="kzn",
        windows=tuple(open_day if d % WEEK < 5 else closed for d in range(days)),
        backlog=backlog,
        **settings,  # type: ignore[arg-type]
    )


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    no_show=st.sampled_from([0.0, 0.1, 0.5]),
    walk_in_share=st.sampled_from([0.0, 0.3, 1.0]),
    patience=st.sampled_from([None, 30.0, 300.0]),
    backlog=st.integers(0, 3_000),
)
def test_nobody_is_lost_or_made_up_between_days(
    seed: int, no_show: float, walk_in_share: float, patience: float | None, backlog: int
) -> None:
    model = office(
        backlog=backlog, no_show=no_show, walk_in_share=walk_in_share, patience_minutes=patience
    )

    run = simulate_office(model, rng=np.random.default_rng(seed))

    # Still to be served = the backlog + everyone who came since - everyone served.
    expected = backlog + np.cumsum(run.newcomers) - np.cumsum(run.served)
    np.testing.assert_array_equal(run.waiting, expected)
    assert run.backlog_served.sum() <= backlog
    cleared = run.cleared_on
    assert (cleared >= 0) == (run.backlog_served.sum() == backlog)
    if cleared > 0:
        assert run.backlog_served[:cleared].sum() < backlog


def test_each_record_is_a_visit_served_in_opening_hours_one_at_a_time() -> None:
    model = office(backlog=2_000, days=21)

    run = simulate_office(model, rng=np.random.default_rng(5), keep_records=True)

    records = run.records
    assert records is not None
    served = records["window"] >= 0
    assert served.sum() == run.served.sum()
    assert (records["start"][served] >= records["arrival"][served]).all()
    minute = records["start"][served] % 1440
    assert ((minute >= 540) & (minute < 780) | (minute >= 840) & (minute < 1080)).all()
    for day in np.unique(records["day"]):
        for window in range(4):
            mine = served & (records["day"] == day) & (records["window"] == window)
            starts = np.sort(records["start"][mine])
            ends = np.sort(records["end"][mine])
            assert (starts[1:] >= ends[:-1] - 1e-9).all()
    holders = records["kind"] == Kind.appointment
    assert not np.isnan(records["due"][holders]).any()
    assert np.isnan(records["due"][records["kind"] == Kind.priority]).all()


def test_walk_ins_not_served_come_back_next_morning_before_opening_numbers_first() -> None:
    # One window, all walk-ins, far more than it can serve: most come back.
    model = office(
        windows=1,
        walk_in_only=1,
        backlog=0,
        days=3,
        walk_in_share=1.0,
        priority_share=0.0,  # nobody may overtake them
        daily_demand=(200.0,) * 3,
    )

    run = simulate_office(model, rng=np.random.default_rng(1), keep_records=True)

    records = run.records
    assert records is not None
    first = records["day"] == 0
    second = records["day"] == 1
    left_on_first = int((first & (records["window"] < 0)).sum())
    queued_early = second & (records["arrival"] % 1440 < 540)
    # The door gives numbers to twice what the window can serve, those back first; the
    # others get none that day and come back the next, still waiting, not lost.
    room = int(model.arrays.door_room[1])
    assert left_on_first > room > 50
    assert int(queued_early.sum()) == room
    assert run.waiting[1] >= left_on_first - room
    third_early = (records["day"] == 2) & (records["arrival"] % 1440 < 540)
    assert int(third_early.sum()) == room
    # Those coming back are at the front of the line, so the first served are theirs.
    order = np.argsort(records["start"][second & (records["window"] >= 0)])
    came_back = queued_early[second & (records["window"] >= 0)][order]
    assert came_back[:20].all()


def test_with_no_chance_in_it_the_backlog_clears_on_the_day_the_places_cover_it() -> None:
    # Exact services as long as a slot, everyone on time, nobody missing, no newcomers.
    model = office(
        backlog=1_000,
        no_show=0.0,
        daily_demand=(0.0,) * 60,
        services=(ServiceTimes(11.0, distribution="empirical", samples=(11.0,) * 10),),
        mix=(1.0,),
        arrive_early_minutes=0.0,
        punctuality_minutes=0.0,
    )
    places = model.places

    run = simulate_office(model, rng=np.random.default_rng(0))

    # The places cover the backlog on the first day their running total reaches it.
    assert run.cleared_on == int(np.nonzero(np.cumsum(places) >= 1_000)[0][0])
    first_open = int(np.nonzero(places)[0][0])
    assert run.backlog_served[first_open] == places[first_open]


def test_more_windows_never_clear_the_backlog_later_on_average() -> None:
    seeds = np.random.SeedSequence(3).spawn(30)
    cleared = {}
    for windows in (3, 4, 6):
        model = office(windows=windows, backlog=3_000, days=200)
        cleared[windows] = np.mean(
            [simulate_office(model, rng=np.random.default_rng(s)).cleared_on for s in seeds]
        )
    assert cleared[3] > cleared[4] > cleared[6] > 0


@pytest.mark.parametrize("distribution", ["exponential", "lognormal", "empirical"])
def test_service_times_have_the_mean_asked_for(distribution: str) -> None:
    samples = tuple(float(x) for x in range(5, 25))
    times = ServiceTimes(
        mean=15.0 if distribution != "empirical" else float(np.mean(samples)),
        cv=0.4,
        distribution=distribution,
        samples=samples if distribution == "empirical" else (),
    )

    drawn = times.draw(np.random.default_rng(0), 200_000)

    assert drawn.mean() == pytest.approx(times.mean, rel=0.01)
    assert drawn.var() == pytest.approx(times.variance, rel=0.03)
