"""The simplest possible line, to check the compiled one against: slow and plain.

At each step the window free first (the lowest-numbered on a tie) looks at everyone who
has come, is not served and has not given up, and calls the first by its class order,
then by arrival. Nothing is kept between steps but who was served, so there is little
to get wrong. Quadratic: for small cases only.
"""

from __future__ import annotations

import math

import numpy as np

from kezek.planning.line import Window


def reference_line(
    *,
    windows: list[Window],
    arrival: list[float],
    kind: list[int],
    duration: list[float],
    patience: list[float],
) -> tuple[list[float], list[int]]:
    """Start times (NaN if not served) and windows (-1) of everyone."""
    count = len(arrival)
    start = [math.nan] * count
    served_by = [-1] * count
    free = [w.intervals[0][0] if w.intervals else math.inf for w in windows]
    while True:
        now = min(free, default=math.inf)
        if now == math.inf:
            return start, served_by
        w = free.index(now)
        window = windows[w]
        shift = next(((o, c) for o, c in window.intervals if c > now), None)
        if shift is None:
            free[w] = math.inf
            continue
        if now < shift[0]:
            free[w] = shift[0]
            continue
        waiting = [
            n
            for n in range(count)
            if served_by[n] < 0
            and kind[n] in window.order
            and arrival[n] <= now
            and not arrival[n] + patience[n] < now
        ]
        if not waiting:
            later = [
                arrival[n]
                for n in range(count)
                if served_by[n] < 0 and kind[n] in window.order and arrival[n] > now
            ]
            free[w] = min(later, default=math.inf)
            continue
        chosen = min(waiting, key=lambda n: (window.order.index(kind[n]), arrival[n], n))
        start[chosen] = now
        served_by[chosen] = w
        free[w] = now + duration[chosen]


def as_arrays(values: list[float]) -> np.ndarray:
    return np.asarray(values, dtype=float)
