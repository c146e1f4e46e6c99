"""Exact steady states of the birth–death chains, by brute force in 40-digit decimals.

Independent of the library's log-space recursions: every state's weight is multiplied out
from the chain's rates and the tail is summed until it no longer changes a digit.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, localcontext


@dataclass(frozen=True)
class Exact:
    p_block: float  # P(N = c) with no waiting room (Erlang B)
    p_wait: float  # P(N >= c)
    mean_queue: float


def exact(c: int, a: float, theta: float | None) -> Exact:
    """M/M/c/c for Erlang B, and M/M/c (theta None) or M/M/c+M for the rest."""
    with localcontext() as context:
        context.prec = 40
        load = Decimal(repr(a))
        weights = [Decimal(1)]
        for n in range(1, c + 1):
            weights.append(weights[-1] * load / n)
        below = sum(weights[:c], Decimal(0))
        at_c = weights[c]
        p_block = at_c / (below + at_c)
        if theta is None and load >= c:  # M/M/c grows without bound: only B makes sense
            return Exact(float(p_block), 1.0, float("inf"))
        tail = []  # weights of c + k, k >= 1
        weight = at_c
        k = 0
        while True:
            k += 1
            rate = Decimal(c) + (Decimal(k) * Decimal(repr(theta)) if theta else Decimal(0))
            weight = weight * load / rate
            tail.append(weight)
            if k > 10 and weight < (below + at_c) * Decimal("1e-40") and rate > load:
                break
        total = below + at_c + sum(tail, Decimal(0))
        p_wait = (at_c + sum(tail, Decimal(0))) / total
        mean_queue = sum((Decimal(i + 1) * w for i, w in enumerate(tail)), Decimal(0)) / total
        return Exact(float(p_block), float(p_wait), float(mean_queue))
