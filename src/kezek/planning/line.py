"""One line of people at an office's windows, event by event: the simulator's core.

It generalises the heap of free times (Kiefer and Wolfowitz) to what an office has:

* windows that are staffed in intervals (open at 09:00, lunch, open again, close);
* people in classes served in an order each window sets: an ordinary window calls due
  appointments, then priority groups, then everyone else, and a corridor window calls its
  own group first;
* people who give up once their patience runs out.

The window that frees first (the lowest-numbered on a tie) takes the best person waiting
by its order, first come first served within a class, and is free again when that service
ends. A window that finds nobody waits for the next arrival it could serve; one whose
interval has ended moves to its next interval. A service under way when the interval ends
is finished, as a clerk does. Who gave up is found lazily, when they reach the front of
their class's line: under this rule they never hold anyone up. Each class's line is the
class's arrivals in order with a pointer to its front, so no queue is ever built.

The loop is compiled (``kezek.planning.jit``); everyone's arrival, service time and
patience are given, so a run repeats exactly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from kezek.planning.jit import compiled


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


@dataclass(frozen=True)
class Staffing:
    """Windows as flat arrays: the intervals of window w are ``first[w]:first[w + 1]``."""

    first: np.ndarray
    opens: np.ndarray
    closes: np.ndarray
    order: np.ndarray  # windows × classes, padded with -1

    @classmethod
    def of(cls, windows: Sequence[Window], classes: int) -> Staffing:
        counts = [len(w.intervals) for w in windows]
        order = np.full((len(windows), max(classes, 1)), -1, dtype=np.int64)
        for n, window in enumerate(windows):
            order[n, : len(window.order)] = window.order
        return cls(
            first=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
            opens=np.asarray([o for w in windows for o, _ in w.intervals], dtype=float),
            closes=np.asarray([c for w in windows for _, c in w.intervals], dtype=float),
            order=order,
        )


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
    if count and (int(kind.max()) >= classes or int(kind.min()) < 0):
        raise ValueError("a person's class is not called at any window")
    arrival = np.asarray(arrival, dtype=float)
    gives_up = arrival + patience if patience is not None else np.full(count, math.inf)
    staffing = Staffing.of(windows, classes)
    start = np.full(count, math.nan)
    served_by = np.full(count, -1, dtype=np.int64)
    serve(
        arrival,
        np.asarray(kind, dtype=np.int64),
        np.asarray(duration, dtype=float),
        gives_up,
        staffing.first,
        staffing.opens,
        staffing.closes,
        staffing.order,
        start,
        served_by,
    )
    unserved = served_by < 0
    closes = staffing.closes.max() if len(staffing.closes) else -math.inf
    abandoned = unserved & (gives_up < closes)
    return LineResult(
        start=start,
        end=start + np.where(unserved, math.nan, duration),
        window=served_by,
        abandoned=abandoned,
        left_over=unserved & ~abandoned,
    )


@compiled
def serve(
    arrival: np.ndarray,
    kind: np.ndarray,
    duration: np.ndarray,
    gives_up: np.ndarray,
    first: np.ndarray,
    opens: np.ndarray,
    closes: np.ndarray,
    order: np.ndarray,
    start: np.ndarray,
    served_by: np.ndarray,
) -> None:
    """Fill ``start`` and ``served_by`` (preset to NaN and -1) for everyone served."""
    count = len(arrival)
    windows = len(first) - 1
    classes = order.shape[1]
    # Each class's members in order of arrival, and the front of each class's line.
    members = np.argsort(kind, kind="mergesort")
    head = np.zeros(classes + 1, dtype=np.int64)
    for n in range(count):
        head[kind[n] + 1] += 1
    for k in range(classes):
        head[k + 1] += head[k]
    end = head[1:].copy()
    free = np.full(windows, np.inf)
    current = first[:-1].copy()
    for w in range(windows):
        if first[w] < first[w + 1]:
            free[w] = opens[first[w]]
    while True:
        w = 0
        now = free[0]
        for v in range(1, windows):
            if free[v] < now:
                now = free[v]
                w = v
        if now == np.inf:
            return
        j = current[w]
        if now >= closes[j]:
            j += 1
            while j < first[w + 1] and closes[j] <= now:
                j += 1
            if j == first[w + 1]:
                free[w] = np.inf
                continue
            current[w] = j
        if now < opens[j]:
            free[w] = opens[j]
            continue
        chosen = -1
        following = np.inf
        for r in range(classes):
            k = order[w, r]
            if k < 0:
                break
            h = head[k]
            while h < end[k] and arrival[members[h]] <= now and gives_up[members[h]] < now:
                h += 1  # gave up before being called
            head[k] = h
            if h < end[k]:
                if arrival[members[h]] <= now:
                    chosen = members[h]
                    head[k] = h + 1
                    break
                following = min(following, arrival[members[h]])
        if chosen < 0:
            free[w] = following  # idle until someone it serves comes; inf: done for good
            continue
        start[chosen] = now
        served_by[chosen] = w
        free[w] = now + duration[chosen]
