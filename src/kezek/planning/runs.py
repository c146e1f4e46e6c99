"""Many independent runs of office models, spread over the cores, summed up as they end.

Each office draws from its own seed stream, the same in every variant of a plan, so a
what-if is compared with the baseline on the same people and the same service times
(common random numbers): the difference shows the change, not the luck of the draw. An
office whose model a variant does not change is not simulated again.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field

import numpy as np

from kezek.planning.office_model import WAIT_BINS, OfficeModel, OfficeRun, simulate_office

CHUNK = 25  # runs per task: big enough to pay for the trip to a worker process
WILSON_Z = 1.645  # a one-sided 95% interval


@dataclass(frozen=True)
class Job:
    model: OfficeModel
    stream: int  # the office's seed stream
    days: int


@dataclass
class OfficeRuns:
    """The runs of one office model, summed up."""

    runs: int
    days: int
    cleared_on: np.ndarray  # per run; -1: not within the days simulated
    remaining: np.ndarray  # runs × days: the initial backlog not yet served, end of day
    waiting: np.ndarray  # runs × days: everyone still to be served, end of day
    served: np.ndarray  # runs × days
    windows_open: np.ndarray  # per day
    walk_in_waits: np.ndarray = field(default_factory=lambda: np.zeros(WAIT_BINS))
    appointment_waits: np.ndarray = field(default_factory=lambda: np.zeros(WAIT_BINS))
    queue_by_hour: np.ndarray = field(default_factory=lambda: np.zeros(24))
    open_days: int = 0
    gave_up: int = 0
    walk_ins_unserved: int = 0  # walk-in visits not served that day: they wait overnight
    backlog: int = 0  # the initial backlog of those who come

    def backlog_served_by(self, day: int) -> float:
        """Of the initial backlog, how many were served by the end of ``day``, mean over runs."""
        return float(self.backlog - self.remaining[:, day].mean())

    def cleared_by(self, day: int) -> float:
        """The share of runs in which the backlog was cleared on or before ``day``."""
        return float(((self.cleared_on >= 0) & (self.cleared_on <= day)).mean())

    def surely_cleared_by(self, day: int) -> float:
        """A lower bound on the chance of clearing by ``day``, 95% sure (Wilson's)."""
        share, runs = self.cleared_by(day), self.runs
        z = WILSON_Z
        centre = share + z * z / (2 * runs)
        spread = z * math.sqrt(share * (1 - share) / runs + z * z / (4 * runs * runs))
        return (centre - spread) / (1 + z * z / runs)


def run_jobs(
    jobs: Iterable[Job],
    *,
    runs: int,
    seed: int,
    processes: int | None = None,
    advance: Callable[[int], None] | None = None,
) -> dict[Job, OfficeRuns]:
    """Every distinct job, ``runs`` times; ``advance`` hears of each run done."""
    unique = list(dict.fromkeys(jobs))
    tasks = [
        (job, seed, first, min(CHUNK, runs - first))
        for job in unique
        for first in range(0, runs, CHUNK)
    ]
    parts: dict[Job, list[tuple[int, list[OfficeRun]]]] = {job: [] for job in unique}
    workers = processes or os.cpu_count() or 1
    if workers == 1 or len(tasks) == 1:
        for task in tasks:
            parts[task[0]].append((task[2], _chunk(task)))
            if advance:
                advance(task[3])
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            _spread(pool, tasks, parts, advance)
    return {
        job: _combine(job, [run for _, chunk in sorted(parts[job], key=_first) for run in chunk])
        for job in unique
    }


def _first(part: tuple[int, list[OfficeRun]]) -> int:
    return part[0]


def _spread(
    pool: Executor,
    tasks: list[tuple[Job, int, int, int]],
    parts: dict[Job, list[tuple[int, list[OfficeRun]]]],
    advance: Callable[[int], None] | None,
) -> None:
    # Longest first, so that no core is left with one big office at the end.
    ordered = sorted(tasks, key=lambda task: -task[0].model.backlog)
    futures = {pool.submit(_chunk, task): task for task in ordered}
    for future in as_completed(futures):
        job, _, first, count = futures[future]
        parts[job].append((first, future.result()))
        if advance:
            advance(count)


def _chunk(task: tuple[Job, int, int, int]) -> list[OfficeRun]:
    job, seed, first, count = task
    streams = np.random.SeedSequence(seed, spawn_key=(job.stream,)).spawn(first + count)
    return [
        simulate_office(
            job.model,
            rng=np.random.default_rng(stream),
            days=job.days,
            stop_when_cleared=True,
        )
        for stream in streams[first:]
    ]


def _combine(job: Job, runs: list[OfficeRun]) -> OfficeRuns:
    days = job.days
    remaining = np.zeros((len(runs), days), dtype=np.int64)
    waiting = np.zeros((len(runs), days), dtype=np.int64)
    served = np.zeros((len(runs), days), dtype=np.int64)
    total = OfficeRuns(
        runs=len(runs),
        days=days,
        cleared_on=np.asarray([run.cleared_on for run in runs], dtype=np.int64),
        remaining=remaining,
        waiting=waiting,
        served=served,
        windows_open=np.asarray(
            [len([w for w in day if w.intervals]) for day in job.model.windows[:days]]
        ),
        backlog=job.model.backlog,
    )
    for n, run in enumerate(runs):
        ran = run.days
        remaining[n, :ran] = job.model.backlog - np.cumsum(run.backlog_served[:ran])
        waiting[n, :ran] = run.waiting[:ran]
        served[n, :ran] = run.served[:ran]
        total.walk_in_waits += run.walk_in_waits
        total.appointment_waits += run.appointment_waits
        total.queue_by_hour += run.queue_by_hour
        total.open_days += run.open_days
        total.gave_up += run.gave_up
        total.walk_ins_unserved += run.walk_ins_unserved
    return total
