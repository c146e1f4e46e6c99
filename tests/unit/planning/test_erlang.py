"""Erlang B, C and A against exact birth–death values, small to 5,000 windows and overload."""

from __future__ import annotations

import math

import pytest

from kezek.planning import (
    erlang_a,
    erlang_b,
    erlang_c,
    mean_wait_c,
    service_level_a,
    service_level_c,
)
from tests.unit.planning.birth_death import exact

# (c, a): small, 100, 600 and 1,000 windows, busy and light, and 5,000.
LOADS = [(1, 0.5), (2, 1.0), (10, 9.0), (100, 95.0), (600, 590.0), (1000, 960.0), (5000, 4950.0)]


def test_erlang_b_by_hand() -> None:
    assert erlang_b(1, 3.0) == pytest.approx(3 / 4, rel=1e-14)
    assert erlang_b(2, 1.0) == pytest.approx(0.2, rel=1e-14)


@pytest.mark.parametrize(("c", "a"), [*LOADS, (100, 150.0), (1000, 1200.0)])
def test_erlang_b_is_exact(c: int, a: float) -> None:
    assert erlang_b(c, a) == pytest.approx(exact(c, a, None).p_block, rel=1e-10)


@pytest.mark.parametrize(("c", "a"), LOADS)
def test_erlang_c_is_exact(c: int, a: float) -> None:
    expected = exact(c, a, None)

    assert erlang_c(c, a) == pytest.approx(expected.p_wait, rel=1e-9)
    # Little's law on the exact line length.
    assert mean_wait_c(c, a) == pytest.approx(expected.mean_queue / a, rel=1e-8)


def test_erlang_c_far_below_capacity_is_tiny_not_zero_over_zero() -> None:
    assert 0 <= erlang_c(1000, 10.0) < 1e-300
    assert erlang_c(200, 150.0) == pytest.approx(exact(200, 150.0, None).p_wait, rel=1e-9)


def test_an_overloaded_m_m_c_always_waits() -> None:
    assert erlang_c(10, 10.0) == 1.0 and mean_wait_c(10, 12.0) == math.inf
    assert service_level_c(10, 12.0, 1.0) == 0.0


def test_service_level_of_m_m_c() -> None:
    # P[W > t] = C·exp(-(c - a)t): at t = 0 it is C itself.
    assert service_level_c(10, 9.0, 0.0) == pytest.approx(1 - erlang_c(10, 9.0))
    assert service_level_c(10, 9.0, 2.0) == pytest.approx(1 - erlang_c(10, 9.0) * math.exp(-2))


@pytest.mark.parametrize(
    ("c", "a", "theta"),
    [
        (1, 0.8, 0.5),
        (10, 9.0, 0.2),
        (10, 14.0, 1.0),  # overloaded: abandonment keeps it stable
        (100, 98.0, 0.05),
        (600, 620.0, 0.1),
        (1000, 990.0, 0.5),
        (1000, 1300.0, 0.02),
        (5000, 5100.0, 0.3),
    ],
)
def test_erlang_a_is_exact(c: int, a: float, theta: float) -> None:
    expected = exact(c, a, theta)

    result = erlang_a(c, a, theta)

    assert result.p_wait == pytest.approx(expected.p_wait, rel=1e-9)
    assert result.mean_queue == pytest.approx(expected.mean_queue, rel=1e-9)
    assert result.p_abandon == pytest.approx(theta * expected.mean_queue / a, rel=1e-9)
    assert result.p_abandon > 0  # never a silent 0 at hundreds of windows


def test_erlang_a_with_little_patience_loss_approaches_erlang_c() -> None:
    result = erlang_a(10, 9.0, 1e-7)

    assert result.p_wait == pytest.approx(erlang_c(10, 9.0), rel=1e-4)
    assert result.mean_wait_served == pytest.approx(mean_wait_c(10, 9.0), rel=1e-4)


def test_erlang_a_overload_settles_where_abandonment_meets_the_excess() -> None:
    # 1,050 arriving per service time at 1,000 windows: 50 must give up, so θ·queue ≈ 50.
    result = erlang_a(1000, 1050.0, 0.1)

    assert result.mean_queue == pytest.approx(500, rel=0.01)
    assert result.p_abandon == pytest.approx(50 / 1050, rel=0.01)


@pytest.mark.parametrize(("c", "a"), [(0, 1.0), (2, 0.0), (2, -1.0), (2, math.inf)])
def test_bad_arguments_say_what_is_wrong(c: int, a: float) -> None:
    with pytest.raises(ValueError, match="must be"):
        erlang_b(c, a)


def test_a_bad_abandonment_rate_is_refused() -> None:
    with pytest.raises(ValueError, match="theta"):
        erlang_a(10, 9.0, 0.0)


@pytest.mark.parametrize(("c", "a", "t"), [(1, 0.7, 0.5), (10, 9.0, 0.2), (100, 95.0, 0.05)])
def test_erlang_a_service_level_with_almost_no_abandonment_is_erlang_c(
    c: int, a: float, t: float
) -> None:
    assert service_level_a(c, a, 1e-12, t) == pytest.approx(service_level_c(c, a, t), abs=1e-9)


@pytest.mark.parametrize(
    ("c", "a", "theta"), [(10, 9.0, 0.5), (20, 24.0, 1.0), (1000, 1000.0, 1.0)]
)
def test_erlang_a_service_level_in_the_long_run_is_everyone_served(
    c: int, a: float, theta: float
) -> None:
    # Given long enough, everyone who does not give up is called.
    served = 1 - erlang_a(c, a, theta).p_abandon
    assert service_level_a(c, a, theta, 60.0) == pytest.approx(served, abs=1e-8)


def test_erlang_a_service_level_grows_with_the_time_and_the_windows() -> None:
    levels = [service_level_a(50, 50.0, 0.5, t) for t in (0.0, 0.01, 0.05, 0.2, 1.0)]
    assert levels == sorted(levels) and levels[0] > 0 and levels[-1] < 1
    assert service_level_a(51, 50.0, 0.5, 0.05) > service_level_a(50, 50.0, 0.5, 0.05)
