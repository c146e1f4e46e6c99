"""The least number of windows for a target, the square-root rule, and hour-by-hour staffing."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kezek.planning import (
    Abandonment,
    HourlyMethod,
    MeanWait,
    ServiceLevel,
    erlang_a,
    erlang_c,
    halfin_whitt_beta,
    mean_wait_c,
    offered_load_by_hour,
    service_level_a,
    service_level_c,
    square_root_staffing,
    windows_by_hour,
    windows_needed,
)
from kezek.planning.staffing import meets


def _by_counting(a: float, target: ServiceLevel | MeanWait | Abandonment) -> int:
    c = 1
    while not meets(c, a, target):
        c += 1
    return c


TARGETS = [ServiceLevel(0.8, 0.5), MeanWait(0.1), Abandonment(0.02, 0.5)]


@pytest.mark.parametrize("target", TARGETS, ids=["service level", "mean wait", "abandonment"])
@pytest.mark.parametrize("a", [0.3, 4.0, 9.0, 47.5, 230.0])
def test_the_search_finds_the_least_number(
    a: float, target: ServiceLevel | MeanWait | Abandonment
) -> None:
    needed = windows_needed(a, target)

    assert needed == _by_counting(a, target)


def test_the_answer_meets_the_target_and_one_less_does_not() -> None:
    a = 9.0  # 9 arrivals per mean service time, as the simulator benchmark's M/M/10
    c = windows_needed(a, ServiceLevel(0.8, 1 / 3))

    assert service_level_c(c, a, 1 / 3) >= 0.8 > service_level_c(c - 1, a, 1 / 3)
    assert mean_wait_c(c, a) < mean_wait_c(c - 1, a)


def test_no_load_needs_no_window() -> None:
    assert windows_needed(0.0, MeanWait(1.0)) == 0


def test_the_square_root_rule_is_close_for_a_large_office() -> None:
    a = 1000.0
    beta = halfin_whitt_beta(0.2)
    rule = square_root_staffing(a, beta=beta)

    # The rule aims at P(wait) = 0.2; the exact P(wait) at its answer is near that.
    assert erlang_c(rule, a) == pytest.approx(0.2, abs=0.03)


@given(st.floats(0.01, 0.99))
def test_halfin_whitt_beta_solves_its_equation(p_wait: float) -> None:
    beta = halfin_whitt_beta(p_wait)
    density = math.exp(-beta * beta / 2) / math.sqrt(2 * math.pi)
    cumulative = 0.5 * (1 + math.erf(beta / math.sqrt(2)))

    assert 1 / (1 + beta * cumulative / density) == pytest.approx(p_wait, abs=1e-9)


def test_steady_arrivals_give_the_same_load_either_way() -> None:
    steady = [60.0] * 12

    pointwise = offered_load_by_hour(steady, mean_service_hours=0.25, method=HourlyMethod.pointwise)
    lagged = offered_load_by_hour(
        steady, mean_service_hours=0.25, method=HourlyMethod.modified_offered_load
    )

    assert pointwise == [15.0] * 12
    assert lagged[-1] == pytest.approx(15.0, rel=1e-6)


def test_the_modified_load_lags_a_morning_rush() -> None:
    # A rush from 9 to 11, with one-hour services: the work in hand peaks after the arrivals.
    arrivals = [10.0, 40.0, 40.0, 10.0, 10.0, 10.0]

    pointwise = windows_by_hour(
        arrivals, mean_service_hours=1.0, target=MeanWait(0.25), method=HourlyMethod.pointwise
    )
    lagged = windows_by_hour(arrivals, mean_service_hours=1.0, target=MeanWait(0.25))

    assert pointwise[0] < lagged[1] and pointwise[1] == pointwise[2]
    assert lagged[3] > pointwise[3]  # the rush is still being served at 12
    assert sum(lagged) >= sum(pointwise) - 5


def test_erlang_a_staffing_can_run_below_the_load() -> None:
    # With impatient citizens, fewer windows than the load still keep losses at 30%.
    c = windows_needed(100.0, Abandonment(0.3, 1.0))

    assert c < 100 and erlang_a(c, 100.0, 1.0).p_abandon <= 0.3


@pytest.mark.parametrize("target", [ServiceLevel(1.5, 1.0), MeanWait(0.0), Abandonment(0.1, 0.0)])
def test_an_impossible_target_is_refused(target: ServiceLevel | MeanWait | Abandonment) -> None:
    with pytest.raises(ValueError):
        windows_needed(10.0, target)


def test_a_service_level_with_people_giving_up_is_met_with_the_fewest_windows() -> None:
    target = ServiceLevel(share=0.8, within=0.1, theta=0.5)

    c = windows_needed(95.0, target)

    assert service_level_a(c, 95.0, 0.5, 0.1) >= 0.8 > service_level_a(c - 1, 95.0, 0.5, 0.1)
    # Those who give up free the line, so fewer windows do than without giving up.
    assert c <= windows_needed(95.0, ServiceLevel(share=0.8, within=0.1))


def test_a_negative_or_endless_load_is_refused_by_name() -> None:
    target = ServiceLevel(share=0.8, within=1.0)
    for load in (-1.0, math.inf, math.nan):
        with pytest.raises(ValueError, match="offered load must be a finite number"):
            windows_needed(load, target)


def test_the_window_limit_holds_whatever_the_first_guess() -> None:
    target = ServiceLevel(share=0.8, within=1.0)
    # 150,000 of load needs more than 100,000 windows: refused, not answered above it.
    with pytest.raises(ValueError, match="more than 100000 windows"):
        windows_needed(150_000.0, target)
    # Just under the limit, the doubling search may not jump past it and give up.
    assert windows_needed(60_000.0, target, limit=61_000) <= 61_000
    with pytest.raises(ValueError, match="more than 50 windows"):
        windows_needed(60.0, target, limit=50)
