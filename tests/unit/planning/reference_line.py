"""One line of people at an office's windows, event by event: the simulator's core.

It generalises the heap of free times (Kiefer and Wolfowitz) to what an office has:

* windows that are staffed in intervals (open at 09:00, lunch, open again, close);
* people in classes served in an order each window sets: an ordinary window calls due
  appointments, then priority groups, then everyone else, and a corridor window calls its
  own group first;
* people who give up once their patience runs out.

The heap holds, for each staffed window, the moment it is next free. The window that frees
first takes the best person waiting by its order, first come first served within a class,
and is free again when that service ends. A window that finds nobody waits for the next
arrival; one whose interval has ended moves to its next interval. A service under way when
the window's interval ends is finished, as a clerk does. Who gave up is found lazily, when
they reach the front of their class's line: under this rule they never hold anyone up.

The loop runs on plain Python numbers (NumPy scalars would cost more than the work), and
everyone's arrival, service time and patience are given, so runs repeat exactly.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Window:
    """One window: when it is staffed, and the order in which it calls the classes."""

    intervals: tuple[tuple[float, float], ...]  # (opens, closes), sorted, not overlapping
    order: tuple[int, ...]  # class numbers, the first called first


@dataclass(frozen=True)
class LineResult:
    """One record per person, in the order given; NaN or -1 for those not served."""

    start: np.ndarray
    end: np.ndarray
    window: np.ndarray
    abandoned: np.ndarray  # gave up before being called
    left_over: np.ndarray  # still waiting, or not yet come, when every window had closed

    @property
    def served(self) -> np.ndarray:
        return self.window >= 0


def simulate_line(
    *,
    windows: Sequence[Window],
    arrival: np.ndarray,
    kind: np.ndarray,
    duration: np.ndarray,
    patience: np.ndarray | None = None,
) -> LineResult:
    """Serve people arriving at ``arrival`` (sorted) of class ``kind`` for ``duration``.

    ``patience`` is how long each would wait before giving up (``inf``: never).
    """
    count = len(arrival)
    if len(kind) != count or len(duration) != count:
        raise ValueError("arrival, kind and duration must have one entry per person")
    if count and np.any(np.diff(arrival) < 0):
        raise ValueError("arrivals must be sorted")
    classes = max((max(w.order) for w in windows if w.order), default=-1) + 1
    if count and int(kind.max()) >= classes:
        raise ValueError("a person's class is not called at any window")
    gives_up = (arrival + patience).tolist() if patience is not None else [math.inf] * count
    start = [math.nan] * count
    end = [math.nan] * count
    served_at = [-1] * count
    _run(
        windows=windows,
        arrival=arrival.tolist(),
        kind=kind.tolist(),
        duration=duration.tolist(),
        gives_up=gives_up,
        classes=classes,
        record=(start, end, served_at),
    )
    window = np.asarray(served_at, dtype=np.int64)
    unserved = window < 0
    closes = max((w.intervals[-1][1] for w in windows if w.intervals), default=-math.inf)
    abandoned = unserved & (np.asarray(gives_up) < closes)
    return LineResult(
        start=np.asarray(start),
        end=np.asarray(end),
        window=window,
        abandoned=abandoned,
        left_over=unserved & ~abandoned,
    )


def _run(
    *,
    windows: Sequence[Window],
    arrival: list[float],
    kind: list[int],
    duration: list[float],
    gives_up: list[float],
    classes: int,
    record: tuple[list[float], list[float], list[int]],
) -> None:
    start, end, served_at = record
    count = len(arrival)
    lines: list[deque[int]] = [deque() for _ in range(classes)]
    orders = [[lines[k] for k in w.order] for w in windows]
    intervals = [w.intervals for w in windows]
    current = [0] * len(windows)
    free = [(w.intervals[0][0], n) for n, w in enumerate(windows) if w.intervals]
    heapq.heapify(free)
    came = 0  # people who have arrived so far
    while free:
        now, w = free[0]
        shifts = intervals[w]
        j = current[w]
        if now >= shifts[j][1]:
            j += 1
            while j < len(shifts) and shifts[j][1] <= now:
                j += 1
            if j == len(shifts):
                heapq.heappop(free)
                continue
            current[w] = j
        if now < shifts[j][0]:
            heapq.heapreplace(free, (shifts[j][0], w))
            continue
        while came < count and arrival[came] <= now:
            lines[kind[came]].append(came)
            came += 1
        chosen = -1
        for line in orders[w]:
            while line and gives_up[line[0]] < now:
                line.popleft()
            if line:
                chosen = line.popleft()
                break
        if chosen < 0:
            if came < count:
                heapq.heapreplace(free, (arrival[came], w))
            else:
                heapq.heappop(free)
            continue
        done = now + duration[chosen]
        start[chosen] = now
        end[chosen] = done
        served_at[chosen] = w
        heapq.heapreplace(free, (done, w))
