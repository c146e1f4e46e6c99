"""Erlang B, C and A: the steady state of a queue with c windows, exact and stable.

Time is in units of the mean service time (μ = 1), so the offered load ``a`` = λ/μ is the
arrival rate. Everything is computed in log space from recursions that never overflow, so
the answers stay exact at thousands of windows, where the textbook formulas (a^c / c!)
overflow and some packages quietly answer 0.

- Erlang B (M/M/c/c): the share of arrivals that find every window busy and are lost.
- Erlang C (M/M/c): the probability of waiting when nobody leaves the line.
- Erlang A (M/M/c+M): people also give up after an exponential patience of mean 1/θ.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


def _check(c: int, a: float) -> None:
    if c < 1 or int(c) != c:
        raise ValueError(f"the number of windows c must be a whole number >= 1, not {c}")
    if not a > 0 or not math.isfinite(a):
        raise ValueError(f"the offered load a must be a positive number, not {a}")


def log_inverse_erlang_b(c: int, a: float) -> float:
    """log(1 / B(c, a)) by the recursion 1/B(k) = 1 + (k/a) / B(k-1), kept in logs."""
    _check(c, a)
    log_inverse = 0.0  # 1/B(0) = 1
    log_a = math.log(a)
    for k in range(1, c + 1):
        log_inverse = _log1p_exp(math.log(k) - log_a + log_inverse)
    return log_inverse


def _log1p_exp(x: float) -> float:
    """log(1 + e^x) without overflow: NumPy's logaddexp(0, x), at a tenth of its cost
    on one number (the recursion runs for every window of thousands)."""
    return x + math.log1p(math.exp(-x)) if x > 0 else math.log1p(math.exp(x))


def erlang_b(c: int, a: float) -> float:
    """The blocking probability of M/M/c/c with offered load ``a``."""
    return math.exp(-log_inverse_erlang_b(c, a))


def erlang_c(c: int, a: float) -> float:
    """The probability that an arrival waits in M/M/c; 1 when a >= c (the line grows)."""
    _check(c, a)
    if a >= c:
        return 1.0
    # C = c·B / (c − a(1 − B)), written with 1/B so that a tiny B never underflows to 0/0.
    log_inverse_b = log_inverse_erlang_b(c, a)
    if log_inverse_b > 700:  # B below 1e-304: C ≈ B / (1 − a/c), computed without overflow
        return math.exp(-log_inverse_b - math.log1p(-a / c))
    return 1.0 / (1.0 + (1.0 - a / c) * math.expm1(log_inverse_b))


def mean_wait_c(c: int, a: float) -> float:
    """Mean wait in the line of M/M/c, in mean service times; infinite when a >= c."""
    if a >= c:
        return math.inf
    return erlang_c(c, a) / (c - a)


def service_level_c(c: int, a: float, t: float) -> float:
    """P[wait <= t] in M/M/c, t in mean service times."""
    if a >= c:
        return 0.0
    return 1.0 - erlang_c(c, a) * math.exp(-(c - a) * t)


@dataclass(frozen=True)
class ErlangA:
    """The steady state of M/M/c+M (μ = 1, patience rate θ)."""

    p_wait: float  # an arrival finds every window busy
    p_abandon: float  # an arrival gives up before being served
    mean_queue: float  # people in line, on average
    mean_wait: float  # over all arrivals, in mean service times (served or not)
    mean_wait_served: float  # over those who are served


def erlang_a(c: int, a: float, theta: float, *, tolerance: float = 1e-16) -> ErlangA:
    """M/M/c+M with offered load ``a`` (μ = 1) and abandonment rate ``theta`` (patience 1/θ).

    The birth–death chain has rate a up and min(n, c) + θ·max(n − c, 0) down. The states up
    to c sum to P(N = c) / B(c, a); the tail, P(N = c + k) / P(N = c) = Π a / (c + jθ), is
    summed in log space until its terms no longer count.
    """
    _check(c, a)
    if not theta > 0 or not math.isfinite(theta):
        raise ValueError(f"the abandonment rate theta must be a positive number, not {theta}")
    log_tail = _log_tail_terms(c, a, theta, tolerance=tolerance)
    k = np.arange(1, log_tail.size + 1, dtype=float)
    log_inverse_b = log_inverse_erlang_b(c, a)
    log_tail_sum = float(np.logaddexp.reduce(log_tail)) if log_tail.size else -math.inf
    # log P(N = c): one over (states up to c, relative to c) plus (the tail, relative to c).
    log_p_c = -float(np.logaddexp(log_inverse_b, log_tail_sum))
    p_wait = math.exp(log_p_c + float(np.logaddexp(0.0, log_tail_sum)))
    mean_queue = (
        float(np.exp(log_p_c + np.logaddexp.reduce(log_tail + np.log(k)))) if log_tail.size else 0.0
    )
    p_abandon = theta * mean_queue / a
    mean_wait = mean_queue / a  # Little's law over all arrivals
    served = 1.0 - p_abandon
    # P(an arrival finds every window busy and k in line), k = 0, 1, … (PASTA).
    seen = np.exp(np.concatenate(([0.0], log_tail)) + log_p_c)
    survive, step_times = _served_from_line(c, theta, seen.size)
    return ErlangA(
        p_wait=min(p_wait, 1.0),
        p_abandon=min(p_abandon, 1.0),
        mean_queue=mean_queue,
        mean_wait=mean_wait,
        mean_wait_served=float(np.sum(seen * survive * step_times)) / served
        if served > 0
        else math.inf,
    )


def _log_tail_terms(c: int, a: float, theta: float, *, tolerance: float) -> np.ndarray:
    """log Π_{j=1..k} a / (c + jθ) for k = 1, 2, … until the terms stop counting.

    The terms rise while c + kθ < a and fall after; past the peak they fall faster than
    geometrically, so the cut-off is found in blocks.
    """
    log_a = math.log(a)
    peak = max(0, math.ceil((a - c) / theta))
    block = max(1024, peak + 1024)
    start = 1
    pieces: list[np.ndarray] = []
    running = 0.0
    best = 0.0  # P(N = c) itself, relative to which the terms are taken
    while True:
        j = np.arange(start, start + block, dtype=float)
        logs = running + np.cumsum(log_a - np.log(c + j * theta))
        pieces.append(logs)
        best = max(best, float(logs.max()))
        running = float(logs[-1])
        start += block
        if start > peak and running < best + math.log(tolerance) - 10:
            break
    terms = np.concatenate(pieces)
    keep = terms >= best + math.log(tolerance) - 40
    last = int(np.nonzero(keep)[0][-1]) + 1 if keep.any() else 0
    return terms[:last]


def _served_from_line(c: int, theta: float, count: int) -> tuple[np.ndarray, np.ndarray]:
    """For an arrival with k people ahead (k = 0..count-1): the probability of being served,
    and the expected time to be served given that it is.

    With m ahead, the line moves on at rate c + mθ (a window frees, or someone ahead gives
    up) and the arrival gives up at rate θ; at the head (m = 0) a window freeing serves it.
    Each step takes an exponential time at the total rate whatever its outcome, so the
    wait of one who is served is the sum of the steps' means.
    """
    m = np.arange(0, count, dtype=float)
    rate = c + (m + 1) * theta
    survive = np.exp(np.cumsum(np.log((c + m * theta) / rate)))
    return survive, np.cumsum(1.0 / rate)


def service_level_a(c: int, a: float, theta: float, t: float, *, tolerance: float = 1e-16) -> float:
    """P[called within t] in M/M/c+M: the share of all arrivals served after a wait <= t.

    Those who give up count against it, however soon. An arrival that finds k in line is
    served with the probability in ``_served_from_line``, after a wait that is the sum of
    one exponential step per place, at rates c + (m + 1)θ for m = k, …, 0. The chance that
    this sum is at most t, weighted over k, is the mass a pure-death chain started from
    those weights has passed out of place 0 by time t; the chain is solved by
    uniformization, a Poisson mixture of its jump chain, whose terms are all positive.
    """
    _check(c, a)
    if not theta > 0 or not math.isfinite(theta):
        raise ValueError(f"the abandonment rate theta must be a positive number, not {theta}")
    if t < 0:
        raise ValueError("the time t cannot be negative")
    log_tail = _log_tail_terms(c, a, theta, tolerance=tolerance)
    log_inverse_b = log_inverse_erlang_b(c, a)
    log_tail_sum = float(np.logaddexp.reduce(log_tail)) if log_tail.size else -math.inf
    log_p_c = -float(np.logaddexp(log_inverse_b, log_tail_sum))
    p_wait = min(1.0, math.exp(log_p_c + float(np.logaddexp(0.0, log_tail_sum))))
    seen = np.exp(np.concatenate(([0.0], log_tail)) + log_p_c)
    survive, _ = _served_from_line(c, theta, seen.size)
    rates = c + (np.arange(seen.size, dtype=float) + 1) * theta
    return (1.0 - p_wait) + _passed_within(seen * survive, rates, t)


def _passed_within(mass: np.ndarray, rates: np.ndarray, t: float) -> float:
    """Mass that a pure-death chain (k → k − 1 at ``rates[k]``, out from 0) passes out of
    place 0 by time t, starting from ``mass``."""
    if t == 0 or not mass.any():
        return 0.0
    fastest = float(rates[-1])
    mean = fastest * t
    steps = int(mean + 12 * math.sqrt(mean) + 30)
    # Poisson(mean) weights of each number of jumps, in logs so large means do not overflow.
    n = np.arange(steps + 1, dtype=float)
    log_factorial = np.concatenate(([0.0], np.cumsum(np.log(n[1:]))))
    weights = np.exp(-mean + n * math.log(mean) - log_factorial)
    move = rates / fastest
    here = mass.astype(float).copy()
    passed = 0.0
    total = 0.0
    for weight in weights[1:]:
        leaving = here * move
        passed += leaving[0]
        here -= leaving
        here[:-1] += leaving[1:]
        total += weight * passed
    return total
