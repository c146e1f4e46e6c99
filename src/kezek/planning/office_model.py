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
from functools import cached_property, lru_cache
from typing import Any, NamedTuple

import numpy as np

from kezek.planning.jit import compiled, inlined
from kezek.planning.line import serve

WAIT_BIN_MINUTES = 5
WAIT_BINS = 12 * 60 // WAIT_BIN_MINUTES + 1  # the last bin holds 12 hours and more


class Kind(IntEnum):
    """Classes of people in line; the compiled loop writes them as these numbers."""

    appointment = 0
    priority = 1
    walk_in = 2


# Numba reads module-level integers as constants, not the enum.
APPOINTMENT = int(Kind.appointment)
PRIORITY = int(Kind.priority)
WALK_IN = int(Kind.walk_in)

_DISTRIBUTIONS = ("exponential", "lognormal", "empirical")
LOGNORMAL = _DISTRIBUTIONS.index("lognormal")
EMPIRICAL = _DISTRIBUTIONS.index("empirical")


@dataclass(frozen=True)
class ServiceTimes:
    """How long one service takes, in minutes."""

    mean: float
    cv: float = 1.0
    distribution: str = "exponential"  # exponential, lognormal or empirical
    samples: tuple[float, ...] = ()

    def draw(self, rng: np.random.Generator, count: int) -> np.ndarray:
        """``count`` service times, drawn as the simulation draws them."""
        return _draw_many(rng, count, _service_draws((self,)))

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


class Habits(NamedTuple):
    """People's habits as the compiled loop reads them; times in minutes."""

    walk_in_share: float  # of newcomers; the rest book
    priority_share: float  # of walk-ins
    no_show: float  # share of holders who do not come and book again
    patience: float  # mean wait before a walk-in gives up; 0: nobody gives up
    arrive_early: float  # mean of how early holders come before their booked time
    punctuality: float  # its standard deviation
    late_grace: float  # holders later than this past their time queue as walk-ins
    call_early: float  # holders are called no earlier than this before their time
    door_per_day: float  # of the backlog at the door, how many come each open day


class ServiceDraws(NamedTuple):
    """Service-time distributions as the compiled draw reads them, one entry per service."""

    distribution: np.ndarray  # index in _DISTRIBUTIONS
    mean: np.ndarray
    log_mean: np.ndarray  # of the lognormal
    log_sd: np.ndarray
    sample_first: np.ndarray  # service s's samples: samples[sample_first[s]:sample_first[s + 1]]
    samples: np.ndarray


class OfficeDays(NamedTuple):
    """The office's days as flat arrays.

    Day d's windows are ``day_first[d]:day_first[d + 1]``, window w's staffed intervals
    ``window_first[w]:window_first[w + 1]`` of ``opens`` and ``closes``, and day d's booked
    places ``slot_first[d]:slot_first[d + 1]`` of ``slot_time``, earliest first.
    """

    day_first: np.ndarray
    window_first: np.ndarray
    opens: np.ndarray
    closes: np.ndarray
    corridor: np.ndarray  # per window
    slot_first: np.ndarray
    slot_time: np.ndarray


class ModelArrays(NamedTuple):
    """An office model as the compiled loop reads it."""

    days: OfficeDays
    demand: np.ndarray  # new people per calendar day
    mix: np.ndarray  # cumulative shares of the services
    profile: np.ndarray  # cumulative hourly profile of walk-ins, 25 points from 0 to 1
    services: ServiceDraws
    door_room: np.ndarray  # per day: the most of the backlog let queue at the door


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
    served_share: float = 1.0  # cleared once this share of the backlog is served
    # Of the backlog, how many walk in at the door instead of booking, as in 2025; they
    # come evenly over the first ``door_days`` open days, at the hours walk-ins come.
    at_door: int = 0
    door_days: int = 20

    @property
    def may_be_left(self) -> int:
        """How many of the backlog may still wait when it counts as cleared."""
        return math.floor((1 - self.served_share) * self.backlog + 1e-9)

    @property
    def mean_service(self) -> float:
        return sum(share * s.mean for share, s in zip(self.mix, self.services, strict=True))

    @property
    def habits(self) -> Habits:
        # All floats, so that every model compiles to the one signature.
        return Habits(
            walk_in_share=float(self.walk_in_share),
            priority_share=float(self.priority_share),
            no_show=float(self.no_show),
            patience=float(self.patience_minutes or 0.0),
            arrive_early=float(self.arrive_early_minutes),
            punctuality=float(self.punctuality_minutes),
            late_grace=float(self.late_grace_minutes),
            call_early=float(self.call_early_minutes),
            door_per_day=self.at_door / self.door_days,
        )

    @cached_property
    def grid(self) -> tuple[np.ndarray, ...]:
        """Each day's booked times (see ``booking_grid``)."""
        return booking_grid(self.windows, slot_minutes=self.slot_minutes)

    @cached_property
    def places(self) -> np.ndarray:
        """Booked places offered each day."""
        return np.asarray([len(day) for day in self.grid], dtype=float)

    @cached_property
    def arrays(self) -> ModelArrays:
        """The model as flat arrays for the compiled loop; built once per model."""
        windows = [w for day in self.windows for w in day]
        slots = self.grid
        profile = np.concatenate([[0.0], np.cumsum(self.hourly_profile)])
        days = OfficeDays(
            day_first=_offsets([len(day) for day in self.windows]),
            window_first=_offsets([len(w.intervals) for w in windows]),
            opens=np.asarray([o for w in windows for o, _ in w.intervals], dtype=float),
            closes=np.asarray([c for w in windows for _, c in w.intervals], dtype=float),
            corridor=np.asarray([w.corridor for w in windows], dtype=np.bool_),
            slot_first=_offsets([len(day) for day in slots]),
            slot_time=np.concatenate([np.zeros(0), *slots]),
        )
        return ModelArrays(
            days=days,
            demand=np.asarray(self.daily_demand, dtype=float),
            mix=np.cumsum(self.mix),
            profile=profile / profile[-1] if profile[-1] > 0 else profile,
            services=_service_draws(self.services),
            door_room=self._door_room(),
        )

    def _door_room(self) -> np.ndarray:
        """Per day, twice as many as the day's windows could serve: beyond that the office
        gives out no more numbers at the door, and those turned away book instead (offices
        did so in 2025); a crowd of a million is then not queued one by one."""
        minutes = [sum(c - o for w in day for o, c in w.intervals) for day in self.windows]
        return np.ceil(2 * np.asarray(minutes, dtype=float) / self.mean_service).astype(np.int64)


def _service_draws(services: Sequence[ServiceTimes]) -> ServiceDraws:
    samples = [np.asarray(s.samples, dtype=float) for s in services]
    sigma2 = np.asarray([math.log(1 + s.cv * s.cv) for s in services])
    return ServiceDraws(
        distribution=np.asarray(
            [_DISTRIBUTIONS.index(s.distribution) for s in services], dtype=np.int64
        ),
        mean=np.asarray([s.mean for s in services], dtype=float),
        log_mean=np.log([s.mean for s in services]) - sigma2 / 2,
        log_sd=np.sqrt(sigma2),
        sample_first=_offsets([len(s) for s in samples]),
        samples=np.concatenate([np.zeros(0), *samples]),
    )


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
RECORD_COLUMNS = len(RECORD_FIELDS)
# Where the compiled loop writes each field of a record.
_DAY = RECORD_FIELDS.index("day")
_KIND = RECORD_FIELDS.index("kind")
_BACKLOG = RECORD_FIELDS.index("backlog")
_DUE = RECORD_FIELDS.index("due")
_ARRIVAL = RECORD_FIELDS.index("arrival")
_START = RECORD_FIELDS.index("start")
_END = RECORD_FIELDS.index("end")
_WINDOW = RECORD_FIELDS.index("window")
_ABANDONED = RECORD_FIELDS.index("abandoned")


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
    walk_ins_unserved: int  # walk-in visits not served that day, given up or not
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
    # The backlog's services come from a stream of their own, drawn as its members reach
    # the front of the line: the k-th member gets the same service in every variant, and
    # a backlog of millions costs only the places it reaches.
    backlog_rng = np.random.default_rng(rng.integers(2**63))
    out = _run_office(
        rng,
        backlog_rng,
        horizon,
        stop_when_cleared,
        keep_records,
        model.backlog - model.at_door,
        model.at_door,
        model.may_be_left,
        model.arrays,
        model.habits,
    )
    ran, cleared, (served, newcomers, backlog_served, waiting) = out[:3]
    (walk, held, queue), (open_days, gave_up, unserved), rec = out[3:]
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
        walk_ins_unserved=int(unserved),
        records=records,
    )


def booking_grid(
    days: Sequence[Sequence[WindowDay]], *, slot_minutes: float
) -> tuple[np.ndarray, ...]:
    """Each day's booked times, earliest first: the bookable minutes cut into places.

    A slot is the mean service time, which rarely divides a window's hours: the minutes
    left over are carried to the next day instead of dropped, so that the places up to
    any day are the bookable minutes so far over the slot, rounded down, and half a
    percent shorter services give half a percent more places, not a jump. A day's places
    are spread evenly over its bookable minutes, window by window.
    """
    grid = []
    minutes_so_far = 0.0
    places_so_far = 0
    for windows in days:
        intervals = [
            (opens, closes) for w in windows if w.bookable for opens, closes in w.intervals
        ]
        minutes = float(sum(closes - opens for opens, closes in intervals))
        minutes_so_far += minutes
        # The small allowance keeps a slot that divides the hours from losing a place to
        # rounding.
        due = math.floor(minutes_so_far / slot_minutes + 1e-9)
        count = due - places_so_far
        places_so_far = due
        grid.append(_spread(tuple(intervals), count, minutes))
    return tuple(grid)


_NONE = np.zeros(0)
_NONE.flags.writeable = False


@lru_cache(maxsize=4096)
def _spread(intervals: tuple[tuple[int, int], ...], count: int, minutes: float) -> np.ndarray:
    """``count`` times spread evenly over ``intervals`` laid end to end, earliest first.

    Kept, as days repeat: the arrays are shared and never written to."""
    if count <= 0 or minutes <= 0:
        return _NONE
    ends = np.cumsum([closes - opens for opens, closes in intervals])
    at = np.arange(count) * (minutes / count)
    which = np.minimum(np.searchsorted(ends, at, side="right"), len(intervals) - 1)
    before = np.concatenate([[0.0], ends[:-1]])[which]
    opens = np.asarray([opens for opens, _ in intervals], dtype=float)[which]
    times = np.sort(opens + at - before)
    times.flags.writeable = False
    return times


# The compiled loop. People are kept as parallel arrays: the booking line as a first-in,
# first-out buffer with a head and a tail, and each day's visitors as arrays sorted by
# arrival before the line is served. Every random draw is made in one fixed order (the
# day's newcomers, the holders, the walk-ins, then each visitor's service and patience in
# order of arrival), so that a seed gives the same run, and a variant of a plan the same
# people as its baseline.

# Columns of a person in the booking line and among the day's visitors; those coming back
# the next morning keep their kind too.
FROM_BACKLOG = 0
SERVICE = 1
KIND = 2
UNDRAWN = -1  # a service not drawn yet: drawn when the person comes to a booking


class Visitors(NamedTuple):
    """The day's visitors in order of arrival; ``start`` and ``served_by`` filled by serving."""

    arrival: np.ndarray
    kind: np.ndarray
    person: np.ndarray  # FROM_BACKLOG, SERVICE
    due: np.ndarray  # the booked time; NaN for walk-ins
    duration: np.ndarray
    gives_up: np.ndarray  # inf: never
    start: np.ndarray  # NaN: not served
    served_by: np.ndarray  # the window; -1: not served


@inlined
def _service_time(rng: np.random.Generator, service: int, draws: ServiceDraws) -> float:
    if draws.distribution[service] == LOGNORMAL:
        normal = rng.standard_normal()
        return math.exp(draws.log_mean[service] + draws.log_sd[service] * normal)
    if draws.distribution[service] == EMPIRICAL:
        low = draws.sample_first[service]
        count = draws.sample_first[service + 1] - low
        return float(draws.samples[low + min(int(rng.random() * count), count - 1)])
    return float(draws.mean[service] * rng.standard_exponential())


@compiled
def _draw_many(rng: np.random.Generator, count: int, draws: ServiceDraws) -> np.ndarray:
    out = np.empty(count)
    for i in range(count):
        out[i] = _service_time(rng, 0, draws)
    return out


@inlined
def _pick_service(rng: np.random.Generator, mix: np.ndarray) -> int:
    return min(int(np.searchsorted(mix, rng.random(), side="right")), len(mix) - 1)


@compiled
def _grown(buffer: np.ndarray, head: int, tail: int, room: int) -> tuple[np.ndarray, int, int]:
    """The buffer with ``room`` free places after its tail. The free places before its
    head stay, up to about as many as it holds: the backlog joins the line there, and a
    line of a million must not be moved back and forth every day."""
    used = tail - head
    front = min(head, used + room + 1024)
    size = max(len(buffer), front + 2 * (used + room) + 64)
    out = np.empty((size, buffer.shape[1]), dtype=buffer.dtype)
    out[front : front + used] = buffer[head:tail]
    return out, front, front + used


@compiled
def _profile_between(profile: np.ndarray, opens: float, closes: float) -> tuple[float, float]:
    """The cumulative hourly profile (25 points) at opening and at closing."""
    hours = np.arange(25.0)
    return np.interp(opens / 60.0, hours, profile), np.interp(closes / 60.0, hours, profile)


@inlined
def _walk_in_time(
    rng: np.random.Generator,
    profile: np.ndarray,
    between: tuple[float, float],
    opens: float,
    closes: float,
) -> float:
    """A time within opening hours, drawn from the hourly profile (cumulative, 25 points)
    between its values at opening and closing (``_profile_between``)."""
    low, high = between
    if high <= low:
        return opens + rng.random() * (closes - opens)
    level = low + rng.random() * (high - low)
    hour = int(np.searchsorted(profile, level, side="right")) - 1
    hour = min(max(hour, 0), 23)
    width = profile[hour + 1] - profile[hour]
    at = (hour + (level - profile[hour]) / width) * 60.0 if width > 0 else hour * 60.0
    return float(min(max(at, opens), closes - 1e-6))


@compiled
def _run_office(
    rng: np.random.Generator,
    backlog_rng: np.random.Generator,
    horizon: int,
    stop_when_cleared: bool,
    keep: bool,
    backlog: int,
    door: int,
    may_be_left: int,
    model: ModelArrays,
    habits: Habits,
) -> tuple[Any, ...]:
    """Days run, day cleared, per day (served, newcomers, of the backlog, waiting), (the wait
    histograms, the line by hour), (open days, visits given up, walk-ins unserved), records.

    ``backlog`` of the backlog book; ``door`` more walk in (``habits.door_per_day``)."""
    per_day = np.zeros((4, horizon), dtype=np.int64)
    served, newcomers, backlog_served, waiting = per_day
    walk_waits, held_waits, queue = np.zeros(WAIT_BINS), np.zeros(WAIT_BINS), np.zeros(24)
    records = np.empty((1024 if keep else 0, RECORD_COLUMNS))
    recorded = 0
    # The backlog is first in the booking line, ahead of every newcomer: ``unbooked`` of it
    # are not in the buffer yet, and join its front as places reach them.
    line = np.empty((1024, 2), dtype=np.int64)
    head = tail = kept = 0
    unbooked = backlog
    back = np.empty((0, 3), dtype=np.int64)  # walk-ins coming back the next morning
    walk_ins_due = 0
    backlog_left = backlog + door
    cleared = -1 if backlog_left > 0 else 0
    door_came = 0
    open_days = gave_up = unserved = 0
    ran = horizon
    for day in range(horizon):
        walking, booking = _newcomers(rng, model.demand[day], habits.walk_in_share)
        newcomers[day] = walking + booking
        line, head, tail = _join_line(rng, line, head, tail, booking, 0, model.mix)
        day_opens, day_closes = _opening_hours(model.days, day)
        if day_opens == np.inf:
            # Closed: today's walk-ins come on the next open day.
            walk_ins_due += walking
            waiting[day] = unbooked + tail - head + len(back) + walk_ins_due + door - door_came
            continue
        walking += walk_ins_due
        walk_ins_due = 0
        open_days += 1
        at_door = _door_today(habits, door, door_came, open_days, model.door_room[day])
        door_came, from_door, line, head, tail = _book_turned_away(at_door, line, head, tail)
        back, outside = _numbers(back, model.door_room[day])
        reached = min(unbooked, model.days.slot_first[day + 1] - model.days.slot_first[day])
        line, head, tail = _backlog_to_front(
            backlog_rng, line, head, tail, reached, kept, model.mix
        )
        unbooked -= reached
        booking_line = (line, head, tail)
        came, line, head, tail = _arrivals(
            rng, model, habits, day, booking_line, back, (walking, from_door), day_opens, day_closes
        )
        visitors = _meet(rng, model.services, habits.patience, came)
        _serve_day(model.days, day, visitors)
        _tally_served(day, visitors, served, backlog_served, walk_waits, held_waits)
        back, line, head, tail, kept, gave_up_today = _carry_over(
            visitors, (day_opens, day_closes), line, head, tail, outside
        )
        gave_up += gave_up_today
        unserved += len(back)
        _count_in_line(queue, visitors, day_closes)
        if keep:
            records, recorded = _record_visits(records, recorded, day, visitors, day_closes)
        waiting[day] = unbooked + tail - head + len(back) + walk_ins_due + door - door_came
        backlog_left -= backlog_served[day]
        if cleared < 0 and backlog_left <= may_be_left:
            cleared = day
            if stop_when_cleared:
                ran = day + 1
                break
    waits = (walk_waits, held_waits, queue)
    counts = (open_days, gave_up, unserved)
    return ran, cleared, per_day, waits, counts, records[:recorded]


@compiled
def _door_today(
    habits: Habits, door: int, came: int, open_days: int, room: int
) -> tuple[int, int, int]:
    """Of the backlog at the door: how many have come by the end of today, how many queue
    today, and how many are turned away beyond the day's ``room`` and book instead."""
    arriving = min(door, int(habits.door_per_day * open_days + 0.5)) - came
    queueing = min(arriving, room)
    return came + arriving, queueing, arriving - queueing


@compiled
def _newcomers(rng: np.random.Generator, wanted: float, walk_in_share: float) -> tuple[int, int]:
    """How many of the day's new people walk in, and how many book."""
    walking = rng.poisson(wanted * walk_in_share) if wanted > 0 else 0
    booking = rng.poisson(wanted * (1 - walk_in_share)) if wanted > 0 else 0
    return walking, booking


@compiled
def _backlog_to_front(
    rng: np.random.Generator,
    line: np.ndarray,
    head: int,
    tail: int,
    count: int,
    kept: int,
    mix: np.ndarray,
) -> tuple[np.ndarray, int, int]:
    """``count`` more of the backlog join the front of the line, the first first, behind
    the ``kept`` holders at its very front whom the office could not serve yesterday."""
    if count == 0:
        return line, head, tail
    if head < count:  # make room in front, with some to spare for the days to come
        used = tail - head
        gap = max(2 * count, used) + 64  # room for days to come: a long line is not copied daily
        bigger = np.empty((gap + max(used, len(line) - head) + 64, 2), dtype=line.dtype)
        bigger[gap : gap + used] = line[head:tail]
        line, head, tail = bigger, gap, gap + used
    head -= count
    for i in range(kept):  # the kept holders move up to the front, in their order
        line[head + i] = line[head + count + i]
    for i in range(count):
        line[head + kept + i, FROM_BACKLOG] = 1
        line[head + kept + i, SERVICE] = _pick_service(rng, mix)
    return line, head, tail


@compiled
def _join_line(
    rng: np.random.Generator,
    line: np.ndarray,
    head: int,
    tail: int,
    count: int,
    from_backlog: int,
    mix: np.ndarray,
) -> tuple[np.ndarray, int, int]:
    """``count`` people book: they join the back of the line, each for a service."""
    if tail + count > len(line):
        line, head, tail = _grown(line, head, tail, count)
    for _ in range(count):
        line[tail, FROM_BACKLOG] = from_backlog
        line[tail, SERVICE] = _pick_service(rng, mix)
        tail += 1
    return line, head, tail


@compiled
def _numbers(back: np.ndarray, room: int) -> tuple[np.ndarray, np.ndarray]:
    """Those back from yesterday who get the door's numbers first, and those beyond, who
    get none, go home and come back tomorrow, keeping their place: a crowd the windows
    cannot serve is not queued one by one, day after day."""
    return back[:room], back[room:]


@compiled
def _book_turned_away(
    at_door: tuple[int, int, int], line: np.ndarray, head: int, tail: int
) -> tuple[int, int, np.ndarray, int, int]:
    """From ``_door_today``: how many have come to the door so far and queue today, and
    the line after those turned away booked."""
    came, queueing, turned = at_door
    line, head, tail = _join_undrawn(line, head, tail, turned)
    return came, queueing, line, head, tail


@compiled
def _join_undrawn(
    line: np.ndarray, head: int, tail: int, count: int
) -> tuple[np.ndarray, int, int]:
    """``count`` of the backlog turned away at the door book, at the back of the line;
    their services are drawn only when they come, as a crowd of a million may not."""
    if tail + count > len(line):
        line, head, tail = _grown(line, head, tail, count)
    line[tail : tail + count, FROM_BACKLOG] = 1
    line[tail : tail + count, SERVICE] = UNDRAWN
    return line, head, tail + count


@compiled
def _opening_hours(days: OfficeDays, day: int) -> tuple[float, float]:
    """When the day's first window opens and its last one closes; infinite when closed."""
    day_opens = np.inf
    day_closes = -np.inf
    for w in range(days.day_first[day], days.day_first[day + 1]):
        if days.window_first[w] < days.window_first[w + 1]:
            day_opens = min(day_opens, days.opens[days.window_first[w]])
            day_closes = max(day_closes, days.closes[days.window_first[w + 1] - 1])
    return day_opens, day_closes


@compiled
def _arrivals(
    rng: np.random.Generator,
    model: ModelArrays,
    habits: Habits,
    day: int,
    booking_line: tuple[np.ndarray, int, int],
    back: np.ndarray,
    walk_ins: tuple[int, int],
    day_opens: float,
    day_closes: float,
) -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray], np.ndarray, int, int]:
    """Who comes today, sorted by arrival: (arrival, kind, person, due); and the line.

    The day's places go to the front of the booking line; the line keeps those who did
    not come, at its back. ``walk_ins`` is the newcomers who walk in and, on top, those of
    the backlog who come to the door.
    """
    line, head, tail = booking_line
    walking, from_door = walk_ins
    walking += from_door
    slot_low = model.days.slot_first[day]
    booked = min(model.days.slot_first[day + 1] - slot_low, tail - head)
    size = booked + len(back) + walking
    arrival = np.empty(size)
    kind = np.empty(size, dtype=np.int64)
    person = np.empty((size, 2), dtype=np.int64)
    due = np.full(size, np.nan)
    if tail + booked > len(line):  # room for every holder to book again
        line, head, tail = _grown(line, head, tail, booked)
    slots = model.days.slot_time[slot_low : slot_low + booked]
    count, tail = _holders_come(
        rng, habits, model.mix, slots, line, head, tail, (arrival, kind, person, due)
    )
    head += booked
    count = _returning_come(back, day_opens, count, arrival, kind, person)
    between = _profile_between(model.profile, day_opens, day_closes)
    for n in range(walking):
        arrival[count] = _walk_in_time(rng, model.profile, between, day_opens, day_closes)
        person[count, FROM_BACKLOG] = 1 if n < from_door else 0
        person[count, SERVICE] = _pick_service(rng, model.mix)
        kind[count] = PRIORITY if rng.random() < habits.priority_share else WALK_IN
        count += 1
    order = np.argsort(arrival[:count], kind="mergesort")
    return (arrival[order], kind[order], person[order], due[order]), line, head, tail


@compiled
def _holders_come(
    rng: np.random.Generator,
    habits: Habits,
    mix: np.ndarray,
    slots: np.ndarray,
    line: np.ndarray,
    taken: int,
    tail: int,
    came_today: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
) -> tuple[int, int]:
    """The holders of ``slots``, from ``taken`` in the line, come or book again.

    Returns how many came (written from the start of ``came_today``: arrival, kind,
    person, due) and the line's tail after those who did not come booked again.
    """
    arrival, kind, person, due = came_today
    count = 0
    for i in range(len(slots)):
        at = slots[i]
        if rng.random() < habits.no_show:
            line[tail] = line[taken + i]  # books again, at the back
            tail += 1
            continue
        noise = rng.normal(0.0, habits.punctuality) if habits.punctuality > 0 else 0.0
        came = at - habits.arrive_early + noise
        person[count] = line[taken + i]
        if person[count, SERVICE] == UNDRAWN:
            person[count, SERVICE] = _pick_service(rng, mix)
        due[count] = at
        if came > at + habits.late_grace:
            kind[count] = WALK_IN  # too late for the booking: queues as a walk-in
            arrival[count] = came
        else:
            kind[count] = APPOINTMENT
            arrival[count] = max(came, at - habits.call_early)
        count += 1
    return count, tail


@compiled
def _returning_come(
    back: np.ndarray,
    day_opens: float,
    count: int,
    arrival: np.ndarray,
    kind: np.ndarray,
    person: np.ndarray,
) -> int:
    """Yesterday's unserved walk-ins queue before opening, in the order they were in."""
    returning = len(back)
    for i in range(returning):
        arrival[count] = day_opens - 0.01 * (returning - i)
        person[count, FROM_BACKLOG] = back[i, FROM_BACKLOG]
        person[count, SERVICE] = back[i, SERVICE]
        kind[count] = back[i, KIND]
        count += 1
    return count


@compiled
def _meet(
    rng: np.random.Generator,
    draws: ServiceDraws,
    patience: float,
    came: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
) -> Visitors:
    """The day's visitors with their service times and, if not booked, their patience."""
    arrival, kind, person, due = came
    count = len(arrival)
    duration = np.empty(count)
    gives_up = np.full(count, np.inf)
    for i in range(count):
        duration[i] = _service_time(rng, person[i, SERVICE], draws)
        if kind[i] != APPOINTMENT and patience > 0:
            gives_up[i] = arrival[i] + rng.exponential(patience)
    start = np.full(count, np.nan)
    served_by = np.full(count, -1, dtype=np.int64)
    return Visitors(arrival, kind, person, due, duration, gives_up, start, served_by)


@compiled
def _serve_day(days: OfficeDays, day: int, visitors: Visitors) -> None:
    """Serve the day's visitors at the day's windows, each calling in its own order."""
    first_window, last_window = days.day_first[day], days.day_first[day + 1]
    low = days.window_first[first_window]
    high = days.window_first[last_window]
    serve(
        visitors.arrival,
        visitors.kind,
        visitors.duration,
        visitors.gives_up,
        days.window_first[first_window : last_window + 1] - low,
        days.opens[low:high],
        days.closes[low:high],
        _call_order(days.corridor[first_window:last_window]),
        visitors.start,
        visitors.served_by,
    )


@compiled
def _call_order(corridor: np.ndarray) -> np.ndarray:
    """Per window, the kinds in the order it calls them: due appointments, then the
    priority group, then everyone else; a corridor window calls the priority group first."""
    calls = np.empty((len(corridor), 3), dtype=np.int64)
    for w in range(len(corridor)):
        calls[w, 0] = PRIORITY if corridor[w] else APPOINTMENT
        calls[w, 1] = APPOINTMENT if corridor[w] else PRIORITY
        calls[w, 2] = WALK_IN
    return calls


@compiled
def _tally_served(
    day: int,
    visitors: Visitors,
    served: np.ndarray,
    backlog_served: np.ndarray,
    walk_waits: np.ndarray,
    held_waits: np.ndarray,
) -> None:
    """Count the day's served, of the backlog, and their waits by kind."""
    for i in range(len(visitors.arrival)):
        if visitors.served_by[i] < 0:
            continue
        served[day] += 1
        backlog_served[day] += visitors.person[i, FROM_BACKLOG]
        wait = visitors.start[i] - visitors.arrival[i]
        wait_bin = min(int(wait // WAIT_BIN_MINUTES), WAIT_BINS - 1)
        if visitors.kind[i] == APPOINTMENT:
            held_waits[wait_bin] += 1
        else:
            walk_waits[wait_bin] += 1


@compiled
def _carry_over(
    visitors: Visitors,
    hours: tuple[float, float],
    line: np.ndarray,
    head: int,
    tail: int,
    outside: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, int, int, int, int]:
    """Those not served, and the booking line after them: walk-ins coming back the next
    morning (FROM_BACKLOG, SERVICE, KIND), ``outside`` (who had no number today) behind
    those back from yesterday and ahead of today's; the line, its head and tail; how many
    holders keep its front; how many gave up before closing (they come back too)."""
    day_opens, day_closes = hours
    count = len(visitors.arrival)
    back = np.empty((count + len(outside), 3), dtype=np.int64)
    coming_back = kept = gave_up = 0
    placed = len(outside) == 0
    for i in range(count):
        if visitors.served_by[i] >= 0:
            continue
        if visitors.kind[i] == APPOINTMENT:
            # The office could not serve a booking: the person keeps the front place.
            # There is room: today's holders were taken from before the head.
            head -= 1
            kept += 1
            line[head] = visitors.person[i]
            continue
        if not placed and visitors.arrival[i] >= day_opens:
            back[coming_back : coming_back + len(outside)] = outside
            coming_back += len(outside)
            placed = True
        if visitors.gives_up[i] < day_closes:
            gave_up += 1
        back[coming_back, FROM_BACKLOG] = visitors.person[i, FROM_BACKLOG]
        back[coming_back, SERVICE] = visitors.person[i, SERVICE]
        back[coming_back, KIND] = visitors.kind[i]
        coming_back += 1
    if not placed:
        back[coming_back : coming_back + len(outside)] = outside
        coming_back += len(outside)
    return back[:coming_back], line, head, tail, kept, gave_up


@compiled
def _count_in_line(queue: np.ndarray, visitors: Visitors, day_closes: float) -> None:
    """Add those in line at each hour mark: from arrival until called, gone, or closing."""
    for i in range(len(visitors.arrival)):
        if visitors.served_by[i] >= 0:
            left = visitors.start[i]
        else:
            left = min(visitors.gives_up[i], day_closes)
        # The marks m with arrival <= 60 m < left.
        first = max(math.ceil(visitors.arrival[i] / 60.0), 0)
        for hour in range(first, 24):
            if hour * 60.0 >= left:
                break
            queue[hour] += 1


@compiled
def _record_visits(
    records: np.ndarray, recorded: int, day: int, visitors: Visitors, day_closes: float
) -> tuple[np.ndarray, int]:
    """Append one record per visitor, in RECORD_FIELDS, growing ``records`` as needed."""
    offset = day * 1440.0  # minutes from the first day's midnight
    for i in range(len(visitors.arrival)):
        if recorded == len(records):
            bigger = np.empty((2 * len(records), RECORD_COLUMNS))
            bigger[:recorded] = records[:recorded]
            records = bigger
        start = visitors.start[i]
        unserved = visitors.served_by[i] < 0
        records[recorded, _DAY] = day
        records[recorded, _KIND] = visitors.kind[i]
        records[recorded, _BACKLOG] = visitors.person[i, FROM_BACKLOG]
        records[recorded, _DUE] = visitors.due[i] + offset
        records[recorded, _ARRIVAL] = visitors.arrival[i] + offset
        records[recorded, _START] = start + offset
        records[recorded, _END] = start + visitors.duration[i] + offset
        records[recorded, _WINDOW] = visitors.served_by[i]
        records[recorded, _ABANDONED] = (
            1.0 if unserved and visitors.gives_up[i] < day_closes else 0.0
        )
        recorded += 1
    return records, recorded
