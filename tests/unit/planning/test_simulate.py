"""The simulator against Erlang C and Erlang A, and its invariants on the same random stream."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kezek.planning import erlang_a, erlang_c, mean_wait_c, service_level_a
from kezek.planning.simulate import estimate, replicate_fcfs, simulate_fcfs, summarize


@pytest.mark.parametrize(("c", "a"), [(1, 0.7), (5, 4.0), (10, 9.0), (50, 45.0)])
def test_m_m_c_matches_erlang_c(c: int, a: float) -> None:
    result = replicate_fcfs(
        runs=12, seed=c, processes=1, windows=c, arrival_rate=a, customers=60_000
    )

    assert result.p_wait.covers(erlang_c(c, a)), result.p_wait
    assert result.mean_wait.covers(mean_wait_c(c, a)), result.mean_wait
    assert result.p_abandon.mean == 0


@pytest.mark.parametrize(("c", "a", "theta"), [(10, 9.0, 0.5), (20, 24.0, 1.0)])
def test_m_m_c_m_matches_erlang_a(c: int, a: float, theta: float) -> None:
    exact = erlang_a(c, a, theta)

    result = replicate_fcfs(
        runs=12,
        seed=c,
        processes=1,
        windows=c,
        arrival_rate=a,
        customers=60_000,
        patience_rate=theta,
    )

    assert result.p_abandon.covers(exact.p_abandon), result.p_abandon
    assert result.p_wait.covers(exact.p_wait), result.p_wait
    assert result.mean_wait.covers(exact.mean_wait), result.mean_wait


def test_runs_spread_over_processes_give_the_same_answer() -> None:
    model = {"windows": 3, "arrival_rate": 2.5, "customers": 5_000}

    alone = replicate_fcfs(runs=4, seed=9, processes=1, **model)
    spread = replicate_fcfs(runs=4, seed=9, processes=2, **model)

    assert alone == spread


def test_lognormal_services_keep_a_mean_of_one() -> None:
    run = simulate_fcfs(
        windows=200,
        arrival_rate=1.0,
        customers=200_000,
        rng=np.random.default_rng(3),
        service="lognormal",
        service_cv=0.5,
    )

    took = run.end - run.start
    assert took.mean() == pytest.approx(1.0, abs=0.01)
    assert took.std() / took.mean() == pytest.approx(0.5, abs=0.02)


@settings(max_examples=30, deadline=None)
@given(
    c=st.integers(1, 8),
    load=st.floats(0.3, 1.4),
    theta=st.none() | st.floats(0.1, 2.0),
    seed=st.integers(0, 1000),
)
def test_more_windows_never_lengthen_the_wait_and_nobody_is_lost(
    c: int, load: float, theta: float | None, seed: int
) -> None:
    model = {"arrival_rate": load * c, "customers": 2_000, "patience_rate": theta}

    fewer = simulate_fcfs(windows=c, rng=np.random.default_rng(seed), **model)
    more = simulate_fcfs(windows=c + 1, rng=np.random.default_rng(seed), **model)

    assert more.wait.mean() <= fewer.wait.mean() + 1e-12
    for run in (fewer, more):
        served = np.isfinite(run.start)
        assert served.sum() + run.abandoned.sum() == 2_000  # conservation
        assert (run.start[served] >= run.arrival[served]).all()
        assert ((run.window >= 0) == served).all()


def test_a_summary_skips_the_empty_start() -> None:
    run = simulate_fcfs(windows=2, arrival_rate=1.0, customers=1_000, rng=np.random.default_rng(1))

    assert summarize(run, warm_up=0.1).customers == 900


def test_bad_models_are_refused() -> None:
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="windows"):
        simulate_fcfs(windows=0, arrival_rate=1.0, customers=10, rng=rng)
    with pytest.raises(ValueError, match="service"):
        simulate_fcfs(windows=1, arrival_rate=1.0, customers=10, rng=rng, service="uniform")


@pytest.mark.parametrize(
    ("c", "a", "theta", "t"), [(10, 9.0, 0.5, 0.3), (20, 24.0, 1.0, 0.1), (1000, 1000.0, 1.0, 0.01)]
)
def test_the_share_called_within_t_matches_erlang_a_service_level(
    c: int, a: float, theta: float, t: float
) -> None:
    shares = []
    for stream in np.random.SeedSequence(c).spawn(12):
        run = simulate_fcfs(
            windows=c,
            arrival_rate=a,
            customers=60_000 if c < 1000 else 400_000,
            patience_rate=theta,
            rng=np.random.default_rng(stream),
        )
        skip = len(run.wait) // 10
        called_in_time = ~run.abandoned[skip:] & (run.wait[skip:] <= t)
        shares.append(float(called_in_time.mean()))

    assert estimate(shares).covers(service_level_a(c, a, theta, t)), estimate(shares)
