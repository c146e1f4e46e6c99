"""One office over many days: a backlog served through bookings, walk-ins, and carry-over.

Each day, in the office's local minutes:

1. The booking grid offers a place per bookable window and slot. People waiting to be
   served book the earliest places, first come first served; the backlog is first in line.
2. Some who booked do not come (``no_show``) and book again at the back. The rest come
   around their time with some punctuality noise: early ones wait for their time, and
   those later than the grace become walk-ins.
3. Walk-ins arrive as a Poisson stream over the opening hours, shaped by an hourly
   profile; a share of them are in a priority group. Those not served by closing, or who
   gave up, come back the next morning and queue before opening.
4. Windows call due appointments, then the priority group, then everyone else; a corridor
   window calls the priority group first (see ``kezek.planning.line``).

New demand arrives every calendar day: a share walks in on the next open day, the rest
books. The backlog is cleared on the day its last member is served.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum
from functools import cached_property
from typing import Any

import numpy as np

from kezek.planning.jit import compiled
from kezek.planning.line import serve

WAIT_BIN_MINUTES = 5
WAIT_BINS = 12 * 60 // WAIT_BIN_MINUTES + 1  # the last bin holds 12 hours and more


class Kind(IntEnum):
    """Classes of people in line; the compiled loop writes them as these numbers."""

    appointment = 0
    priority = 1
    walk_in = 2


_DISTRIBUTIONS = ("exponential", "lognormal", "empirical")


@dataclass(frozen=True)
class ServiceTimes:
    """How long one service takes, in minutes."""

    mean: float
    cv: float = 1.0
    distribution: str = "exponential"  # exponential, lognormal or empirical
    samples: tuple[float, ...] = ()

    def draw(self, rng: np.random.Generator, count: int) -> np.ndarray:
        """``count`` service times, drawn as the simulation draws them."""
        one = _service_arrays((self,))
        return _draw_many(
            rng,
            count,
            one["distribution"],
            one["mean"],
            one["log_mean"],
            one["log_sd"],
            one["sample_first"],
            one["samples"],
        )

    @property
    def variance(self) -> float:
        if self.distribution == "empirical":
            return float(np.var(self.samples))
        if self.distribution == "exponential":
            return self.mean * self.mean
        return (self.cv * self.mean) ** 2


@dataclass(frozen=True)
class WindowDay:
    """One window on one day: its staffed local minutes and what it does."""

    intervals: tuple[tuple[int, int], ...]
    bookable: bool = True
    corridor: bool = False


@dataclass(frozen=True)
class OfficeModel:
    """Everything the simulation needs of one office, day by day from ``days[0]``."""

    code: str
    windows: tuple[tuple[WindowDay, ...], ...]  # per day
    backlog: int
    services: tuple[ServiceTimes, ...]
    mix: tuple[float, ...]  # share of people per service, summing to 1
    daily_demand: tuple[float, ...]  # new people per calendar day
    walk_in_share: float = 0.3
    priority_share: float = 0.05
    no_show: float = 0.1
    patience_minutes: float | None = 240.0
    arrive_early_minutes: float = 10.0  # mean of how early people come for a booking
    punctuality_minutes: float = 10.0  # its standard deviation
    late_grace_minutes: float = 15.0
    call_early_minutes: float = 5.0
    slot_minutes: float = 15.0
    hourly_profile: tuple[float, ...] = (1.0,) * 24  # walk-in arrivals by local hour

    @property
    def mean_service(self) -> float:
        return sum(share * s.mean for share, s in zip(self.mix, self.services, strict=True))

    @cached_property
    def arrays(self) -> dict[str, np.ndarray]:
        """The model as flat arrays for the compiled loop; built once per model."""
        windows = [w for day in self.windows for w in day]
        per_day = [len(day) for day in self.windows]
        intervals = [len(w.intervals) for w in windows]
        slots = [booking_slots(day, slot_minutes=self.slot_minutes) for day in self.windows]
        profile = np.concatenate([[0.0], np.cumsum(self.hourly_profile)])
        return {
            "day_first": _offsets(per_day),
            "window_first": _offsets(intervals),
            "opens": np.asarray([o for w in windows for o, _ in w.intervals], dtype=float),
            "closes": np.asarray([c for w in windows for _, c in w.intervals], dtype=float),
            "bookable": np.asarray([w.bookable for w in windows], dtype=np.bool_),
            "corridor": np.asarray([w.corridor for w in windows], dtype=np.bool_),
            "slot_first": _offsets([len(day) for day in slots]),
            "slot_time": np.concatenate([np.zeros(0), *slots]),
            "demand": np.asarray(self.daily_demand, dtype=float),
            "mix": np.cumsum(self.mix),
            "profile": profile / profile[-1] if profile[-1] > 0 else profile,
            **_service_arrays(self.services),
        }


def _service_arrays(services: Sequence[ServiceTimes]) -> dict[str, np.ndarray]:
    """Service-time distributions as the compiled draw reads them."""
    samples = [np.asarray(s.samples, dtype=float) for s in services]
    sigma2 = np.asarray([math.log(1 + s.cv * s.cv) for s in services])
    return {
        "distribution": np.asarray(
            [_DISTRIBUTIONS.index(s.distribution) for s in services], dtype=np.int64
        ),
        "mean": np.asarray([s.mean for s in services], dtype=float),
        "log_mean": np.log([s.mean for s in services]) - sigma2 / 2,
        "log_sd": np.sqrt(sigma2),
        "sample_first": _offsets([len(s) for s in samples]),
        "samples": np.concatenate([np.zeros(0), *samples]),
    }


def _offsets(counts: Sequence[int]) -> np.ndarray:
    return np.concatenate([[0], np.cumsum(counts, dtype=np.int64)]).astype(np.int64)


RECORD_FIELDS = (
    "day",
    "kind",
    "backlog",
    "due",
    "arrival",
    "start",
    "end",
    "window",
    "abandoned",
)


@dataclass
class OfficeRun:
    """What one run of an office produced, day by day."""

    days: int  # simulated: fewer than asked when stopped at clearance
    served: np.ndarray  # per day, everyone
    newcomers: np.ndarray  # per day: people whose need arose that day
    backlog_served: np.ndarray  # per day, members of the initial backlog
    waiting: np.ndarray  # at the end of each day: still to be served
    cleared_on: int  # index of the day the backlog was cleared, -1 if not within the run
    walk_in_waits: np.ndarray  # served walk-ins by wait, in bins of WAIT_BIN_MINUTES
    appointment_waits: np.ndarray  # the same for appointment holders
    queue_by_hour: np.ndarray  # people in line at each local hour mark, summed over days
    open_days: int
    gave_up: int  # visits ended by giving up (they come back the next day)
    records: dict[str, np.ndarray] | None = None


def simulate_office(
    model: OfficeModel,
    *,
    rng: np.random.Generator,
    days: int | None = None,
    stop_when_cleared: bool = False,
    keep_records: bool = False,
) -> OfficeRun:
    """Run ``model`` for ``days`` days (all it has by default).

    With ``keep_records``, ``records`` holds one entry per visit (a person who comes back
    on another day has one per day): the day, kind, whether of the initial backlog, the
    booked time (NaN for walk-ins), arrival, start and end (NaN if not served), window
    (-1) and whether they gave up; times in minutes from the first day's midnight.
    """
    horizon = len(model.windows) if days is None else min(days, len(model.windows))
    a = model.arrays
    out = _run_office(
        rng,
        horizon,
        stop_when_cleared,
        keep_records,
        a["day_first"],
        a["window_first"],
        a["opens"],
        a["closes"],
        a["bookable"],
        a["corridor"],
        a["slot_first"],
        a["slot_time"],
        a["demand"],
        model.backlog,
        a["mix"],
        a["distribution"],
        a["mean"],
        a["log_mean"],
        a["log_sd"],
        a["sample_first"],
        a["samples"],
        np.asarray(
            [
                model.walk_in_share,
                model.priority_share,
                model.no_show,
                model.patience_minutes or 0.0,
                model.arrive_early_minutes,
                model.punctuality_minutes,
                model.late_grace_minutes,
                model.call_early_minutes,
            ]
        ),
        a["profile"],
    )
    ran, cleared, served, newcomers, backlog_served, waiting = out[:6]
    walk, held, queue, open_days, gave_up, rec = out[6:]
    records = None
    if keep_records:
        records = {name: rec[:, n] for n, name in enumerate(RECORD_FIELDS)}
        for name in ("day", "kind", "window"):
            records[name] = records[name].astype(np.int64)
        for name in ("backlog", "abandoned"):
            records[name] = records[name].astype(bool)
    return OfficeRun(
        days=int(ran),
        served=served[:ran],
        newcomers=newcomers[:ran],
        backlog_served=backlog_served[:ran],
        waiting=waiting[:ran],
        cleared_on=int(cleared),
        walk_in_waits=walk,
        appointment_waits=held,
        queue_by_hour=queue,
        open_days=int(open_days),
        gave_up=int(gave_up),
        records=records,
    )


def booking_slots(windows: Sequence[WindowDay], *, slot_minutes: float) -> np.ndarray:
    """Booked times of the day's places, earliest first: one per bookable window and slot."""
    starts = [
        opens + np.arange((closes - opens) // slot_minutes) * slot_minutes
        for w in windows
        if w.bookable
        for opens, closes in w.intervals
    ]
    return np.sort(np.concatenate([np.zeros(0), *starts]))


def places(windows: Sequence[WindowDay], *, slot_minutes: float) -> int:
    """How many places the day's booking grid offers."""
    return sum(
        int((closes - opens) // slot_minutes)
        for w in windows
        if w.bookable
        for opens, closes in w.intervals
    )


# The compiled loop. People are kept as parallel arrays: the booking line as a first-in,
# first-out buffer with a head and a tail, and each day's visitors as arrays sorted by
# arrival before the line is served.


@compiled
def _service_time(
    rng: np.random.Generator,
    service: int,
    distribution: np.ndarray,
    mean: np.ndarray,
    log_mean: np.ndarray,
    log_sd: np.ndarray,
    sample_first: np.ndarray,
    samples: np.ndarray,
) -> float:
    if distribution[service] == 1:
        return float(rng.lognormal(log_mean[service], log_sd[service]))
    if distribution[service] == 2:
        low = sample_first[service]
        count = sample_first[service + 1] - low
        return float(samples[low + min(int(rng.random() * count), count - 1)])
    return float(rng.exponential(mean[service]))


@compiled
def _draw_many(
    rng: np.random.Generator,
    count: int,
    distribution: np.ndarray,
    mean: np.ndarray,
    log_mean: np.ndarray,
    log_sd: np.ndarray,
    sample_first: np.ndarray,
    samples: np.ndarray,
) -> np.ndarray:
    out = np.empty(count)
    for i in range(count):
        out[i] = _service_time(rng, 0, distribution, mean, log_mean, log_sd, sample_first, samples)
    return out


@compiled
def _pick_service(rng: np.random.Generator, mix: np.ndarray) -> int:
    return min(int(np.searchsorted(mix, rng.random(), side="right")), len(mix) - 1)


@compiled
def _grown(buffer: np.ndarray, head: int, tail: int, room: int) -> tuple[np.ndarray, int, int]:
    """The buffer with ``room`` free places after its tail, its content moved to the front."""
    used = tail - head
    size = len(buffer)
    if used + room > size // 2:
        size = 2 * (used + room) + 64
    out = np.empty((size, buffer.shape[1]), dtype=buffer.dtype)
    out[:used] = buffer[head:tail]
    return out, 0, used


@compiled
def _walk_in_time(
    rng: np.random.Generator, profile: np.ndarray, opens: float, closes: float
) -> float:
    """A time within opening hours, drawn from the hourly profile (cumulative, 25 points)."""
    low = np.interp(opens / 60.0, np.arange(25.0), profile)
    high = np.interp(closes / 60.0, np.arange(25.0), profile)
    if high <= low:
        return opens + rng.random() * (closes - opens)
    level = low + rng.random() * (high - low)
    hour = np.searchsorted(profile, level, side="right") - 1
    hour = min(max(hour, 0), 23)
    width = profile[hour + 1] - profile[hour]
    at = (hour + (level - profile[hour]) / width) * 60.0 if width > 0 else hour * 60.0
    return float(min(max(at, opens), closes - 1e-6))


@compiled
def _run_office(
    rng: np.random.Generator,
    horizon: int,
    stop_when_cleared: bool,
    keep: bool,
    day_first: np.ndarray,
    window_first: np.ndarray,
    opens: np.ndarray,
    closes: np.ndarray,
    bookable: np.ndarray,
    corridor: np.ndarray,
    slot_first: np.ndarray,
    slot_time: np.ndarray,
    demand: np.ndarray,
    backlog: int,
    mix: np.ndarray,
    distribution: np.ndarray,
    mean: np.ndarray,
    log_mean: np.ndarray,
    log_sd: np.ndarray,
    sample_first: np.ndarray,
    samples: np.ndarray,
    habits: np.ndarray,
    profile: np.ndarray,
) -> tuple[Any, ...]:
    """Days run, day cleared, then per day: served, newcomers, of the backlog, waiting;
    the wait histograms, the line by hour, open days, visits given up, and the records."""
    walk_in_share, priority_share, no_show, patience = habits[0], habits[1], habits[2], habits[3]
    early, punctuality, grace, call_early = habits[4], habits[5], habits[6], habits[7]
    served = np.zeros(horizon, dtype=np.int64)
    newcomers = np.zeros(horizon, dtype=np.int64)
    backlog_served = np.zeros(horizon, dtype=np.int64)
    waiting = np.zeros(horizon, dtype=np.int64)
    walk_waits = np.zeros(WAIT_BINS)
    held_waits = np.zeros(WAIT_BINS)
    queue = np.zeros(24)
    records = np.empty((1024 if keep else 0, 9))
    recorded = 0
    # The booking line: (from the backlog, service) per person, first at ``head``.
    line = np.empty((backlog + 1024, 2), dtype=np.int64)
    head = 0
    tail = 0
    for _ in range(backlog):
        line[tail, 0] = 1
        line[tail, 1] = _pick_service(rng, mix)
        tail += 1
    # Walk-ins coming back the next morning: (from the backlog, service, kind).
    back = np.empty((0, 3), dtype=np.int64)
    walk_ins_due = 0
    backlog_left = backlog
    cleared = -1 if backlog > 0 else 0
    open_days = 0
    gave_up = 0
    ran = horizon
    for day in range(horizon):
        wanted = demand[day]
        walking = rng.poisson(wanted * walk_in_share) if wanted > 0 else 0
        booking = rng.poisson(wanted * (1 - walk_in_share)) if wanted > 0 else 0
        newcomers[day] = walking + booking
        if tail + booking > len(line):
            line, head, tail = _grown(line, head, tail, booking)
        for _ in range(booking):
            line[tail, 0] = 0
            line[tail, 1] = _pick_service(rng, mix)
            tail += 1
        first_window, last_window = day_first[day], day_first[day + 1]
        day_opens = np.inf
        day_closes = -np.inf
        for w in range(first_window, last_window):
            if window_first[w] < window_first[w + 1]:
                day_opens = min(day_opens, opens[window_first[w]])
                day_closes = max(day_closes, closes[window_first[w + 1] - 1])
        if day_opens == np.inf:
            # Closed: today's walk-ins come on the next open day.
            walk_ins_due += walking
            waiting[day] = tail - head + len(back) + walk_ins_due
            continue
        walking += walk_ins_due
        walk_ins_due = 0
        open_days += 1
        slot_low = slot_first[day]
        booked = min(slot_first[day + 1] - slot_low, tail - head)
        size = booked + len(back) + walking
        arrival = np.empty(size)
        kind = np.empty(size, dtype=np.int64)
        person = np.empty((size, 2), dtype=np.int64)
        due = np.full(size, np.nan)
        count = 0
        if tail + booked > len(line):  # room for every holder to book again
            line, head, tail = _grown(line, head, tail, booked)
        taken = head
        head += booked
        for i in range(booked):
            at = slot_time[slot_low + i]
            if rng.random() < no_show:
                line[tail] = line[taken + i]  # books again, at the back
                tail += 1
                continue
            came = at - early + (rng.normal(0.0, punctuality) if punctuality > 0 else 0.0)
            person[count] = line[taken + i]
            due[count] = at
            if came > at + grace:
                kind[count] = 2  # too late for the booking: queues as a walk-in
                arrival[count] = came
            else:
                kind[count] = 0
                arrival[count] = max(came, at - call_early)
            count += 1
        returning = len(back)
        for i in range(returning):
            arrival[count] = day_opens - 0.01 * (returning - i)  # queued before opening
            person[count, 0] = back[i, 0]
            person[count, 1] = back[i, 1]
            kind[count] = back[i, 2]
            count += 1
        for _ in range(walking):
            arrival[count] = _walk_in_time(rng, profile, day_opens, day_closes)
            person[count, 0] = 0
            person[count, 1] = _pick_service(rng, mix)
            kind[count] = 1 if rng.random() < priority_share else 2
            count += 1
        order = np.argsort(arrival[:count], kind="mergesort")
        arrival = arrival[order]
        kind = kind[order]
        person = person[order]
        due = due[order]
        duration = np.empty(count)
        gives_up = np.full(count, np.inf)
        for i in range(count):
            duration[i] = _service_time(
                rng, person[i, 1], distribution, mean, log_mean, log_sd, sample_first, samples
            )
            if kind[i] != 0 and patience > 0:
                gives_up[i] = arrival[i] + rng.exponential(patience)
        windows = last_window - first_window
        calls = np.empty((windows, 3), dtype=np.int64)
        for w in range(windows):
            corridor_first = corridor[first_window + w]
            calls[w, 0] = 1 if corridor_first else 0
            calls[w, 1] = 0 if corridor_first else 1
            calls[w, 2] = 2
        low = window_first[first_window]
        high = window_first[last_window]
        start = np.full(count, np.nan)
        served_by = np.full(count, -1, dtype=np.int64)
        serve(
            arrival,
            kind,
            duration,
            gives_up,
            window_first[first_window : last_window + 1] - low,
            opens[low:high],
            closes[low:high],
            calls,
            start,
            served_by,
        )
        back = np.empty((count, 3), dtype=np.int64)
        coming_back = 0
        for i in range(count):
            if served_by[i] >= 0:
                served[day] += 1
                backlog_served[day] += person[i, 0]
                wait_bin = min(int((start[i] - arrival[i]) // WAIT_BIN_MINUTES), WAIT_BINS - 1)
                if kind[i] == 0:
                    held_waits[wait_bin] += 1
                else:
                    walk_waits[wait_bin] += 1
                left = start[i]
            else:
                left = min(gives_up[i], day_closes)
                if kind[i] == 0:
                    # The office could not serve a booking: the person keeps the front
                    # place. There is room: today's holders were taken from before the head.
                    head -= 1
                    line[head] = person[i]
                else:
                    if gives_up[i] < day_closes:
                        gave_up += 1
                    back[coming_back, 0] = person[i, 0]
                    back[coming_back, 1] = person[i, 1]
                    back[coming_back, 2] = kind[i]
                    coming_back += 1
            for hour in range(24):
                mark = hour * 60.0
                if arrival[i] <= mark < left:
                    queue[hour] += 1
            if keep:
                if recorded == len(records):
                    bigger = np.empty((2 * len(records), 9))
                    bigger[:recorded] = records[:recorded]
                    records = bigger
                offset = day * 1440.0  # minutes from the first day's midnight
                records[recorded, 0] = day
                records[recorded, 1] = kind[i]
                records[recorded, 2] = person[i, 0]
                records[recorded, 3] = due[i] + offset
                records[recorded, 4] = arrival[i] + offset
                records[recorded, 5] = start[i] + offset
                records[recorded, 6] = start[i] + duration[i] + offset
                records[recorded, 7] = served_by[i]
                records[recorded, 8] = 1.0 if served_by[i] < 0 and gives_up[i] < day_closes else 0.0
                recorded += 1
        back = back[:coming_back]
        waiting[day] = tail - head + coming_back + walk_ins_due
        backlog_left -= backlog_served[day]
        if cleared < 0 and backlog_left == 0:
            cleared = day
            if stop_when_cleared:
                ran = day + 1
                break
    return (
        ran,
        cleared,
        served,
        newcomers,
        backlog_served,
        waiting,
        walk_waits,
        held_waits,
        queue,
        open_days,
        gave_up,
        records[:recorded],
    )
