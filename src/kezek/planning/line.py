"""One line of people at an office's windows, event by event: the simulator's core.

It generalises the heap of free times (Kiefer and Wolfowitz) to what an office has:

* windows that are staffed in intervals (open at 09:00, lunch, open again, close);
* people in classes served in an order each window sets: an ordinary window calls due
  appointments, then priority groups, then everyone else, and a corridor window calls its
  own group first;
* people who give up once their patience runs out.

The window that frees first (the lowest-numbered on a tie; windows are kept in a binary
heap by free time) takes the best person waiting by its order, first come first served
within a class, and is free again when that service ends. A window that finds nobody
waits for the next arrival it could serve; one whose interval has ended moves to its next
interval. A service under way when the interval ends is finished, as a clerk does. Who
gave up is found lazily, when they reach the front of their class's line: under this rule
they never hold anyone up. Each class's line is the class's arrivals in order with a
pointer to its front, so no queue is ever built.

The loop is compiled (``kezek.planning.jit``); everyone's arrival, service time and
patience are given, so a run repeats exactly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from kezek.planning.jit import compiled, inlined


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
    if count and int(kind.min()) < 0:
        raise ValueError("classes are numbered from 0")
    # A class no window calls is allowed: its people are left over.
    classes = max([*(max(w.order) for w in windows if w.order), int(kind.max(initial=-1))]) + 1
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
    # Each class's members in order of arrival, and the front of each class's line: a
    # counting sort, stable, in one pass.
    head = np.zeros(classes + 1, dtype=np.int64)
    for n in range(count):
        head[kind[n] + 1] += 1
    for k in range(classes):
        head[k + 1] += head[k]
    end = head[1:].copy()
    members = np.empty(count, dtype=np.int64)
    placed = head[:-1].copy()
    for n in range(count):
        members[placed[kind[n]]] = n
        placed[kind[n]] += 1
    # A heap of (free time, window), earliest on top; ties go to the lower window.
    free = np.full(windows, np.inf)
    which = np.arange(windows)
    current = first[:-1].copy()
    for w in range(windows):
        if first[w] < first[w + 1]:
            free[w] = opens[first[w]]
    heapify(free, which)
    while True:
        now = free[0]
        w = which[0]
        if now == np.inf:
            return
        j = current[w]
        if now >= closes[j]:
            j += 1
            while j < first[w + 1] and closes[j] <= now:
                j += 1
            if j == first[w + 1]:
                replace_top(free, which, np.inf)  # closed for good
                continue
            current[w] = j
        if now < opens[j]:
            replace_top(free, which, opens[j])
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
            replace_top(free, which, following)  # idle until someone it serves comes
            continue
        start[chosen] = now
        served_by[chosen] = w
        replace_top(free, which, now + duration[chosen])


@inlined
def replace_top(free: np.ndarray, which: np.ndarray, value: float) -> None:
    """Give the top of the heap the free time ``value`` and sift it down to its place."""
    size = len(free)
    moving = which[0]
    i = 0
    while True:
        child = 2 * i + 1
        if child >= size:
            break
        right = child + 1
        if right < size and (
            free[right] < free[child]
            or (free[right] == free[child] and which[right] < which[child])
        ):
            child = right
        if free[child] < value or (free[child] == value and which[child] < moving):
            free[i] = free[child]
            which[i] = which[child]
            i = child
        else:
            break
    free[i] = value
    which[i] = moving


@compiled
def heapify(free: np.ndarray, which: np.ndarray) -> None:
    """Order (free, which) as a heap by sorting: a sorted array is a heap."""
    order = np.argsort(free, kind="mergesort")  # stable: ties stay by window number
    free[:] = free[order]
    which[:] = which[order]
