"""How many windows: the smallest number meeting a target, hour by hour if need be.

Three targets, each the least number of windows c for which the queue's steady state meets
it: a service level (share served within t), a mean wait, or a share who give up. The
square-root rule (c = a + β√a, Halfin and Whitt) gives the answer in one line for large
offices and is what the exact search starts from.

Arrivals that change by the hour are handled two ways. The pointwise stationary
approximation staffs each hour for its own load. The modified offered load first computes
how many would be in service with unlimited windows, m(t), which lags behind the arrivals
by about a service time, and staffs for that: it is the better answer when services are
long beside the hour, as for a consular passport application.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from kezek.planning.erlang import erlang_a, mean_wait_c, service_level_a, service_level_c


@dataclass(frozen=True)
class ServiceLevel:
    """At least ``share`` of arrivals wait no more than ``within`` mean service times.

    With ``theta``, people give up at that rate (Erlang A), and only those called within
    the time count.
    """

    share: float
    within: float
    theta: float | None = None


@dataclass(frozen=True)
class MeanWait:
    """The mean wait is at most ``at_most`` mean service times."""

    at_most: float


@dataclass(frozen=True)
class Abandonment:
    """At most ``share`` give up, with patience of mean 1/``theta`` service times."""

    share: float
    theta: float


Target = ServiceLevel | MeanWait | Abandonment


def meets(c: int, a: float, target: Target) -> bool:
    if isinstance(target, ServiceLevel):
        if target.theta:
            return service_level_a(c, a, target.theta, target.within) >= target.share
        return service_level_c(c, a, target.within) >= target.share
    if isinstance(target, MeanWait):
        return mean_wait_c(c, a) <= target.at_most
    return erlang_a(c, a, target.theta).p_abandon <= target.share


def windows_needed(a: float, target: Target, *, limit: int = 100_000) -> int:
    """The least number of windows meeting ``target`` at offered load ``a`` (0 for no load).

    Every target improves with each window added, so the search gallops up from the
    square-root rule's guess and then bisects.
    """
    _check_target(target)
    if not (math.isfinite(a) and a >= 0):
        raise ValueError(f"the offered load must be a finite number of at least 0, not {a}")
    if a == 0:
        return 0
    # Without anyone giving up, fewer windows than the load never keep up; with it, they may.
    gives_up = isinstance(target, Abandonment) or (
        isinstance(target, ServiceLevel) and target.theta is not None
    )
    low = 0 if gives_up else max(0, math.floor(a) - 1)
    too_many = ValueError(f"more than {limit} windows would be needed for a load of {a}")
    if low + 1 > limit:
        raise too_many
    guess = min(limit, max(low + 1, square_root_staffing(a, beta=1.0)))
    while not meets(guess, a, target):
        if guess == limit:
            raise too_many
        low = guess
        guess = min(limit, guess * 2)
    high = guess
    while high - low > 1:  # meets(high) holds; meets(low) does not, or low is 0
        middle = (low + high) // 2
        if middle >= 1 and meets(middle, a, target):
            high = middle
        else:
            low = middle
    return high


def _check_target(target: Target) -> None:
    if isinstance(target, ServiceLevel) and not (0 < target.share < 1 and target.within >= 0):
        raise ValueError("a service level needs a share between 0 and 1 and a time >= 0")
    if isinstance(target, ServiceLevel) and target.theta is not None and not target.theta > 0:
        raise ValueError("a service level with people giving up needs theta > 0")
    if isinstance(target, MeanWait) and not target.at_most > 0:
        raise ValueError("a mean-wait target must be a positive time")
    if isinstance(target, Abandonment) and not (0 < target.share < 1 and target.theta > 0):
        raise ValueError("an abandonment target needs a share between 0 and 1 and theta > 0")


def square_root_staffing(a: float, *, beta: float) -> int:
    """c = ⌈a + β√a⌉: enough windows for the load and a margin that grows as its root."""
    return max(1, math.ceil(a + beta * math.sqrt(a)))


def halfin_whitt_beta(p_wait: float) -> float:
    """The β for which the square-root rule gives ``p_wait`` as the probability of waiting.

    For large offices P(wait) → 1 / (1 + β·Φ(β)/φ(β)); solved by bisection.
    """
    if not 0 < p_wait < 1:
        raise ValueError("the probability of waiting must be between 0 and 1")

    def waits(beta: float) -> float:
        density = math.exp(-beta * beta / 2) / math.sqrt(2 * math.pi)
        cumulative = 0.5 * (1 + math.erf(beta / math.sqrt(2)))
        return 1 / (1 + beta * cumulative / density)

    low, high = 0.0, 10.0
    for _ in range(100):
        middle = (low + high) / 2
        if waits(middle) > p_wait:
            low = middle
        else:
            high = middle
    return (low + high) / 2


class HourlyMethod(StrEnum):
    pointwise = "pointwise"  # each hour for its own load
    modified_offered_load = "modified_offered_load"  # for the load in service, which lags


def offered_load_by_hour(
    arrivals_per_hour: Sequence[float], *, mean_service_hours: float, method: HourlyMethod
) -> list[float]:
    """The load to staff each hour for, in windows' worth of work."""
    if method is HourlyMethod.pointwise:
        return [rate * mean_service_hours for rate in arrivals_per_hour]
    # With unlimited windows and exponential services, m' = λ(t) − m/s: exact per hour
    # for a rate constant within the hour. The hour is staffed for its larger end.
    decay = math.exp(-1 / mean_service_hours)
    in_service = 0.0
    loads = []
    for rate in arrivals_per_hour:
        start = in_service
        settled = rate * mean_service_hours
        in_service = settled + (start - settled) * decay
        loads.append(max(start, in_service))
    return loads


def windows_by_hour(
    arrivals_per_hour: Sequence[float],
    *,
    mean_service_hours: float,
    target: Target,
    method: HourlyMethod = HourlyMethod.modified_offered_load,
) -> list[int]:
    """Windows needed in each hour, ``target`` times in mean service times."""
    if not mean_service_hours > 0:
        raise ValueError("the mean service time must be positive")
    loads = offered_load_by_hour(
        arrivals_per_hour, mean_service_hours=mean_service_hours, method=method
    )
    return [windows_needed(load, target) for load in loads]
