"""A fast simulation of one queue with c windows, first come, first served.

The core is the heap-of-free-times recursion (Kiefer and Wolfowitz): customers are taken
in order of arrival, each goes to the window that frees first, and starts at the later of
its arrival and that moment. A customer whose wait would pass their patience leaves, and
the window's free time stays as it was: under first come, first served nobody behind them
is affected. Random numbers come from one explicit, seeded ``numpy.random.Generator``, so
a run is repeated exactly; all draws are made as arrays before the loop, which is compiled
(``kezek.planning.jit``).
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from kezek.planning.jit import compiled
from kezek.planning.line import replace_top


@dataclass(frozen=True)
class Customers:
    """One record per customer, as arrays; times in mean service times."""

    arrival: np.ndarray
    start: np.ndarray  # NaN for those who gave up
    end: np.ndarray  # NaN for those who gave up
    window: np.ndarray  # -1 for those who gave up
    abandoned: np.ndarray  # bool
    wait: np.ndarray  # in line: until service, or until giving up


@dataclass(frozen=True)
class Summary:
    customers: int
    mean_wait: float  # over everyone, those who gave up included
    p_wait: float  # waited at all
    p_abandon: float


def summarize(run: Customers, *, warm_up: float = 0.1) -> Summary:
    """Figures over the customers after the first ``warm_up`` share, which start empty."""
    skip = int(len(run.arrival) * warm_up)
    wait = run.wait[skip:]
    return Summary(
        customers=len(wait),
        mean_wait=float(wait.mean()),
        p_wait=float((wait > 0).mean()),
        p_abandon=float(run.abandoned[skip:].mean()),
    )


def simulate_fcfs(
    *,
    windows: int,
    arrival_rate: float,
    customers: int,
    rng: np.random.Generator,
    patience_rate: float | None = None,
    service: str = "exponential",
    service_cv: float = 1.0,
) -> Customers:
    """M/G/c(+M) with Poisson arrivals at ``arrival_rate`` per mean service time.

    ``service`` is ``exponential`` or ``lognormal`` (mean 1, coefficient of variation
    ``service_cv``); ``patience_rate`` θ gives exponential patience of mean 1/θ.
    """
    if windows < 1 or customers < 1 or not arrival_rate > 0:
        raise ValueError("windows and customers must be at least 1, the arrival rate positive")
    arrival = np.cumsum(rng.exponential(1 / arrival_rate, customers))
    durations = _service_times(rng, customers, service, service_cv)
    patience = (
        rng.exponential(1 / patience_rate, customers)
        if patience_rate
        else np.full(customers, math.inf)
    )
    start, window = _first_come_first_served(arrival, durations, patience, windows)
    abandoned = window < 0
    return Customers(
        arrival=arrival,
        start=start,
        end=start + durations,
        window=window,
        abandoned=abandoned,
        wait=np.where(abandoned, patience, start - arrival),
    )


@compiled
def _first_come_first_served(
    arrival: np.ndarray, duration: np.ndarray, patience: np.ndarray, windows: int
) -> tuple[np.ndarray, np.ndarray]:
    """The recursion itself, on a binary heap of (free time, window), earliest on top."""
    count = len(arrival)
    start = np.full(count, np.nan)
    window = np.full(count, -1, dtype=np.int64)
    free = np.zeros(windows)
    which = np.arange(windows)
    for n in range(count):
        at = arrival[n]
        begins = at if at > free[0] else free[0]
        if begins - at > patience[n]:
            continue  # gives up; under first come, first served nobody else is affected
        start[n] = begins
        window[n] = which[0]
        replace_top(free, which, begins + duration[n])
    return start, window


def _service_times(rng: np.random.Generator, count: int, service: str, cv: float) -> np.ndarray:
    if service == "exponential":
        return rng.exponential(1.0, count)
    if service == "lognormal":
        sigma2 = math.log(1 + cv * cv)
        return rng.lognormal(-sigma2 / 2, math.sqrt(sigma2), count)
    raise ValueError(f"service must be 'exponential' or 'lognormal', not {service!r}")


@dataclass(frozen=True)
class Estimate:
    """A mean over independent replications, with its 95% confidence half-width."""

    mean: float
    half_width: float

    def covers(self, value: float) -> bool:
        return abs(value - self.mean) <= self.half_width

    def __str__(self) -> str:
        return f"{self.mean:.4g} ± {self.half_width:.2g}"


@dataclass(frozen=True)
class Replicated:
    runs: int
    mean_wait: Estimate
    p_wait: Estimate
    p_abandon: Estimate


def replicate_fcfs(
    *, runs: int, seed: int, processes: int | None = None, **model: Any
) -> Replicated:
    """``runs`` independent runs of ``simulate_fcfs(**model)``, over the machine's cores.

    Each run gets its own stream spawned from ``seed``, so the result does not depend on
    how the runs are spread.
    """
    if runs < 2:
        raise ValueError("at least two runs are needed for a confidence interval")
    streams = np.random.SeedSequence(seed).spawn(runs)
    work = [(model, stream) for stream in streams]
    if processes == 1:
        summaries = [_one_run(item) for item in work]
    else:
        with ProcessPoolExecutor(max_workers=processes or os.cpu_count()) as pool:
            summaries = list(pool.map(_one_run, work))
    return Replicated(
        runs=runs,
        mean_wait=estimate([s.mean_wait for s in summaries]),
        p_wait=estimate([s.p_wait for s in summaries]),
        p_abandon=estimate([s.p_abandon for s in summaries]),
    )


def _one_run(item: tuple[dict[str, Any], np.random.SeedSequence]) -> Summary:
    model, stream = item
    return summarize(simulate_fcfs(rng=np.random.default_rng(stream), **model))


# Student's t for a two-sided 95% interval, by degrees of freedom; 1.96 beyond 60.
_T95 = {
    1: 12.71,
    2: 4.30,
    3: 3.18,
    4: 2.78,
    5: 2.57,
    6: 2.45,
    7: 2.36,
    8: 2.31,
    9: 2.26,
    10: 2.23,
    15: 2.13,
    20: 2.09,
    30: 2.04,
    60: 2.00,
}


def estimate(values: list[float]) -> Estimate:
    data = np.asarray(values)
    freedom = len(data) - 1
    # The nearest tabulated freedom below: a slightly wider interval, never a narrower one.
    t = _T95[max(d for d in _T95 if d <= freedom)] if freedom <= 60 else 1.96
    return Estimate(float(data.mean()), float(t * data.std(ddof=1) / math.sqrt(len(data))))
