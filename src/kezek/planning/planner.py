"""The backlog planner: when the backlog clears, and how many windows clear it in time.

For each office it answers, from the same seeded runs:

* **At today's capacity**, the day the backlog clears: the fluid estimate, and the median
  and the day by which it has cleared with the scenario's confidence ``p``, simulated.
* **For each deadline**, the windows to add so that it clears by then with probability at
  least ``p``, and walk-ins wait no longer than the target. The backlog is served through
  bookings, so the fluid rule counts booked places: each added window gives a place per
  slot, of which a share ``no_show`` is lost, and the backlog plus those who book before
  the deadline must fit, less a margin of ``z_p`` standard deviations for no-shows and the
  Poisson newcomers. Walk-ins are staffed for separately, hour by hour with Erlang C, on
  windows kept free of bookings. The simulation then checks the recommendation: it holds
  when the share of runs cleared in time is at least ``p`` even at the low end of its 95%
  confidence interval (Wilson's bound), so that it also holds on runs not seen. A window
  is added at a time until it holds, and one fewer is tried in case the margin was wide.
* **For each what-if**, the same figures beside the baseline.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np

from kezek.network.spec import NetworkSpec
from kezek.planning.office_model import WAIT_BIN_MINUTES, OfficeModel, WindowDay, places
from kezek.planning.runs import WILSON_Z, Job, OfficeRuns, run_jobs
from kezek.planning.scenario import Change, MoveDeadline, ScenarioSpec, english
from kezek.planning.scenario_offices import (
    AddedWindows,
    PlanningOffice,
    planning_offices,
    shift_demand,
)
from kezek.planning.staffing import ServiceLevel, windows_by_hour

MAX_CHECKS = 8  # simulation rounds for one recommendation before saying it fell short


@dataclass(frozen=True)
class Clearance:
    fluid: dt.date | None
    median: dt.date | None  # None: not within the horizon
    likely: dt.date | None  # cleared by then in a share ``confidence`` of runs
    by_deadline: tuple[float, ...]  # the share of runs cleared by each deadline


@dataclass(frozen=True)
class Recommendation:
    deadline: dt.date
    booked_windows: int  # added windows taking bookings
    walk_in_windows: int  # added windows for walk-ins only
    windows_per_day: tuple[int, ...]  # open windows each day from the start to the deadline
    fluid_windows: int  # what the fluid rule with its margin said, before the check
    cleared_share: float  # simulated: share of runs cleared by the deadline
    walk_in_within: float  # simulated: share of walk-ins served within the target wait
    met: bool


@dataclass
class OfficeOutcome:
    code: str
    name: str
    backlog: int
    demand_per_day: float
    windows_now: int
    places_per_day: float  # booked places a usual open day offers now
    clearance: Clearance
    runs: OfficeRuns
    recommendations: list[Recommendation] = field(default_factory=list)
    recommended_runs: list[OfficeRuns] = field(default_factory=list)


@dataclass
class Variant:
    name: str
    deadlines: tuple[dt.date, ...]
    offices: list[OfficeOutcome]
    network: Clearance


@dataclass
class Plan:
    spec: ScenarioSpec
    start: dt.date
    days: int
    baseline: Variant
    what_ifs: list[Variant]
    notes: list[str] = field(default_factory=list)

    def date(self, day: int) -> dt.date:
        return self.start + dt.timedelta(days=day)


Progress = Callable[[str, int, int], None]  # stage, runs done now, runs in the stage


def make_plan(
    spec: ScenarioSpec,
    network: NetworkSpec,
    *,
    processes: int | None = None,
    progress: Progress | None = None,
    replications: int | None = None,
) -> Plan:
    info = spec.scenario
    runs = replications or info.replications
    offices = planning_offices(spec, network)
    days = info.horizon_days
    start = info.start
    seeds = seed_streams(offices)
    baseline_jobs = horizon_jobs(spec, offices)
    variants = [
        (
            english(what_if.name),
            offices_after(offices, what_if.changes),
            _deadlines(spec, what_if.changes),
        )
        for what_if in spec.what_ifs
    ]
    what_if_jobs = [horizon_jobs(spec, changed) for _, changed, _ in variants]
    everything = [*baseline_jobs.values(), *(j for jobs in what_if_jobs for j in jobs.values())]
    done = run_jobs(
        everything,
        runs=runs,
        seed=info.seed,
        processes=processes,
        advance=_stage(progress, "today's capacity and what-ifs", len(set(everything)) * runs),
    )
    deadlines = tuple(info.deadlines)
    baseline = _variant("Baseline: today's windows", offices, baseline_jobs, done, deadlines, spec)
    recommend(
        spec,
        offices,
        baseline,
        seeds=seeds,
        runs=runs,
        processes=processes,
        progress=progress,
    )
    what_ifs = [
        _variant(name, changed, jobs, done, moved, spec)
        for (name, changed, moved), jobs in zip(variants, what_if_jobs, strict=True)
    ]
    notes = []
    if runs < runs_to_show(info.confidence):
        notes.append(
            f"{runs} runs are too few to show {info.confidence:.0%} with 95% confidence, so a "
            "recommendation holds when that share of runs clears in time; with at least "
            f"{runs_to_show(info.confidence)} runs it must hold at the low end of the interval."
        )
    return Plan(
        spec=spec, start=start, days=days, baseline=baseline, what_ifs=what_ifs, notes=notes
    )


def runs_to_show(confidence: float) -> int:
    """The fewest runs whose Wilson bound can reach ``confidence`` when every run clears."""
    z = WILSON_Z
    return math.ceil(z * z * confidence / (1 - confidence))


def seed_streams(offices: dict[str, PlanningOffice]) -> dict[str, int]:
    return {code: n for n, code in enumerate(offices)}


def horizon_jobs(spec: ScenarioSpec, offices: dict[str, PlanningOffice]) -> dict[str, Job]:
    """Each office as given, over the scenario's horizon, on its own seed stream."""
    info = spec.scenario
    seeds = seed_streams(offices)
    return {
        code: Job(
            office.model(start=info.start, days=info.horizon_days), seeds[code], info.horizon_days
        )
        for code, office in offices.items()
    }


def simulate_today(
    spec: ScenarioSpec,
    network: NetworkSpec,
    *,
    processes: int | None = None,
    progress: Progress | None = None,
    replications: int | None = None,
) -> Variant:
    """Only the simulation at today's windows: no recommendations, no what-ifs."""
    runs = replications or spec.scenario.replications
    offices = planning_offices(spec, network)
    jobs = horizon_jobs(spec, offices)
    done = run_jobs(
        jobs.values(),
        runs=runs,
        seed=spec.scenario.seed,
        processes=processes,
        advance=_stage(progress, "today's windows", len(jobs) * runs),
    )
    return _variant("Today's windows", offices, jobs, done, tuple(spec.scenario.deadlines), spec)


def offices_after(
    offices: dict[str, PlanningOffice], changes: Sequence[Change]
) -> dict[str, PlanningOffice]:
    changed = shift_demand(offices, changes)
    return {code: office.changed(changes) for code, office in changed.items()}


def _deadlines(spec: ScenarioSpec, changes: Sequence[Change]) -> tuple[dt.date, ...]:
    moved = [change.to for change in changes if isinstance(change, MoveDeadline)]
    return (moved[-1],) if moved else tuple(spec.scenario.deadlines)


def _variant(
    name: str,
    offices: dict[str, PlanningOffice],
    jobs: dict[str, Job],
    done: dict[Job, OfficeRuns],
    deadlines: tuple[dt.date, ...],
    spec: ScenarioSpec,
) -> Variant:
    start = spec.scenario.start
    outcomes = []
    for code, office in offices.items():
        runs = done[jobs[code]]
        model = jobs[code].model
        outcomes.append(
            OfficeOutcome(
                code=code,
                name=office.name,
                backlog=office.backlog_total,
                demand_per_day=office.demand_on(start),
                windows_now=_usual_windows(model),
                places_per_day=_usual_places(model),
                clearance=_clearance(
                    [runs.cleared_on], fluid_clearance(model), start, deadlines, spec
                ),
                runs=runs,
            )
        )
    everyone = [outcome.runs.cleared_on for outcome in outcomes]
    fluid_dates = [outcome.clearance.fluid for outcome in outcomes]
    network_fluid = (
        None if None in fluid_dates else max((d - start).days for d in fluid_dates if d is not None)
    )
    return Variant(
        name=name,
        deadlines=deadlines,
        offices=outcomes,
        network=_clearance(everyone, network_fluid, start, deadlines, spec),
    )


def _clearance(
    cleared_on: list[np.ndarray],
    fluid_day: int | None,
    start: dt.date,
    deadlines: tuple[dt.date, ...],
    spec: ScenarioSpec,
) -> Clearance:
    """Figures over runs; with several offices, a run clears when its last office does."""
    days = np.stack(cleared_on).astype(float)
    days[days < 0] = math.inf
    last = days.max(axis=0)

    def as_date(day: float) -> dt.date | None:
        return None if not math.isfinite(day) else start + dt.timedelta(days=int(day))

    return Clearance(
        fluid=None if fluid_day is None else start + dt.timedelta(days=fluid_day),
        median=as_date(float(np.quantile(last, 0.5, method="higher"))),
        likely=as_date(float(np.quantile(last, spec.scenario.confidence, method="higher"))),
        by_deadline=tuple(
            float((last <= (deadline - start).days).mean()) for deadline in deadlines
        ),
    )


def places_per_day(days: Sequence[Sequence[WindowDay]], *, slot_minutes: float) -> np.ndarray:
    """Booking places offered each day."""
    return np.asarray([places(day, slot_minutes=slot_minutes) for day in days])


def booked_per_day(model: OfficeModel) -> np.ndarray:
    """Places that people who come take, per day: booked places less the no-shows."""
    return places_per_day(model.windows, slot_minutes=model.slot_minutes) * (1 - model.no_show)


def fluid_clearance(model: OfficeModel, *, margin_z: float = 0.0, tail: float = 0.5) -> int | None:
    """The day the last of the backlog is served, by the fluid rule.

    Those who book behind the backlog count too: a backlog member who missed the booked
    time books again at the back, behind them, so the bulk of the backlog is through once
    the places taken cover the backlog and everyone who booked since. Then the last
    missers come back: of the R holders of that day, a share ``no_show`` miss again each
    time, so it takes k more open days until R·no_showᵏ falls below ``1 - tail``, the
    chance left that someone is still missing.
    """
    taken = booked_per_day(model)
    served = np.cumsum(taken)
    booking = np.cumsum(np.asarray(model.daily_demand) * (1 - model.walk_in_share))
    if margin_z:
        slots = served / (1 - model.no_show)
        spread = np.sqrt(slots * model.no_show * (1 - model.no_show) + booking)
        served = served - margin_z * spread
    enough = np.nonzero(served >= model.backlog + booking)[0]
    if not len(enough):
        return None
    bulk = int(enough[0])
    missing = model.no_show * taken[bulk]
    if model.no_show <= 0 or missing <= 1 - tail:
        return bulk
    more = math.ceil(math.log((1 - tail) / missing) / math.log(model.no_show))
    later_open = np.nonzero(taken[bulk + 1 :] > 0)[0]
    return bulk + 1 + int(later_open[more - 1]) if len(later_open) >= more else None


def recommend(
    spec: ScenarioSpec,
    offices: dict[str, PlanningOffice],
    baseline: Variant,
    *,
    seeds: dict[str, int],
    runs: int,
    processes: int | None,
    progress: Progress | None,
) -> None:
    """Windows per office for each deadline: the fluid rule with its margin, then checked."""
    info = spec.scenario
    z = NormalDist().inv_cdf(info.confidence)
    for outcome in baseline.offices:
        outcome.recommendations = []
    for deadline in info.deadlines:
        days = (deadline - info.start).days + 1
        pending: dict[str, tuple[PlanningOffice, int, int]] = {}
        for code, office in offices.items():
            walk_ins = _walk_in_windows(office, spec, days)
            booked = _fluid_windows(office, spec, days, z, walk_ins)
            pending[code] = (office, booked, walk_ins)
        fluid = {code: booked for code, (_, booked, _) in pending.items()}
        searches = {
            code: _Search(booked, walk_ins) for code, (_, booked, walk_ins) in pending.items()
        }
        for _ in range(MAX_CHECKS):
            jobs = {
                code: Job(
                    _added(office, deadline, booked, walk_ins).model(start=info.start, days=days),
                    seeds[code],
                    days,
                )
                for code, (office, booked, walk_ins) in pending.items()
            }
            done = run_jobs(
                jobs.values(),
                runs=runs,
                seed=info.seed,
                processes=processes,
                advance=_stage(progress, f"checking windows for {deadline}", len(jobs) * runs),
            )
            for code, job in jobs.items():
                office, booked, walk_ins = pending.pop(code)
                result = done[job]
                following = searches[code].learn(
                    booked,
                    walk_ins,
                    result,
                    clears=_clears(result, days - 1, info.confidence),
                    waits_well=_share_within(result, info.wait_within_minutes) >= info.wait_share,
                )
                if following is not None:
                    pending[code] = (office, *following)
            if not pending:
                break
        settled = {code: search.answer() for code, search in searches.items()}
        for outcome in baseline.offices:
            booked, walk_ins, result = settled[outcome.code]
            cleared = result.cleared_by(days - 1)
            outcome.recommendations.append(
                Recommendation(
                    deadline=deadline,
                    booked_windows=booked,
                    walk_in_windows=walk_ins,
                    windows_per_day=tuple(int(n) for n in result.windows_open),
                    fluid_windows=fluid[outcome.code],
                    cleared_share=cleared,
                    walk_in_within=_share_within(result, info.wait_within_minutes),
                    met=_clears(result, days - 1, info.confidence)
                    and _share_within(result, info.wait_within_minutes) >= info.wait_share,
                )
            )
            outcome.recommended_runs.append(result)


def _clears(result: OfficeRuns, day: int, confidence: float) -> bool:
    """Whether the runs show clearance by ``day`` with probability ``confidence``.

    The share of runs must clear the bar with room for the runs' own luck, so that the
    recommendation also holds on runs it has not seen: the low end of the share's 95%
    interval must reach it. With too few runs for that even when all clear, the share must.
    """
    if result.runs < runs_to_show(confidence):
        return result.cleared_by(day) >= confidence
    return result.surely_cleared_by(day) >= confidence


class _Search:
    """The fewest windows for one office and deadline, one simulated check at a time.

    From the fluid rule's guess: add a booked window while the backlog does not clear in
    time, and a walk-in window while walk-ins wait too long; once a guess holds, try one
    booked window fewer, then one walk-in window fewer, in case the rules were generous.
    """

    def __init__(self, booked: int, walk_ins: int) -> None:
        self.short_booked = -1  # the most booked windows known not to clear in time
        self.short_walk_ins = -1  # the most walk-in windows known to be too few
        self.best: tuple[int, int, OfficeRuns] | None = None
        self.last: tuple[int, int, OfficeRuns] | None = None

    def learn(
        self, booked: int, walk_ins: int, result: OfficeRuns, *, clears: bool, waits_well: bool
    ) -> tuple[int, int] | None:
        """Take in a check; return the next guess, or None when the search is over."""
        self.last = (booked, walk_ins, result)
        if clears and waits_well:
            self.best = self.last
            if booked - 1 > self.short_booked:
                return booked - 1, walk_ins
            if walk_ins - 1 > self.short_walk_ins:
                return booked, walk_ins - 1
            return None
        if not clears:
            self.short_booked = max(self.short_booked, booked)
        if not waits_well:
            self.short_walk_ins = max(self.short_walk_ins, walk_ins)
        if self.best is not None:  # a fewer that fell short: the best stands, but for
            best_booked, best_walk_ins, _ = self.best  # walk-in windows not yet tried
            if booked < best_booked and best_walk_ins - 1 > self.short_walk_ins:
                return best_booked, best_walk_ins - 1
            return None
        return booked + (not clears), walk_ins + (not waits_well)

    def answer(self) -> tuple[int, int, OfficeRuns]:
        found = self.best or self.last
        assert found is not None  # at least one check ran
        return found


def _added(office: PlanningOffice, deadline: dt.date, booked: int, walk_ins: int) -> PlanningOffice:
    start = office.demand[0][0]
    if booked:
        office = office.with_windows(AddedWindows(booked, start, deadline))
    if walk_ins:
        office = office.with_windows(AddedWindows(walk_ins, start, deadline, bookable=False))
    return office


def _fluid_windows(
    office: PlanningOffice, spec: ScenarioSpec, days: int, z: float, walk_ins: int
) -> int:
    """The fewest booked windows for which the fluid rule, less its margin, clears in time.

    More windows never clear later, so the search gallops up and then bisects.
    """
    start = spec.scenario.start
    deadline = start + dt.timedelta(days=days - 1)

    def clears(added: int) -> bool:
        model = _added(office, deadline, added, walk_ins).model(start=start, days=days)
        cleared = fluid_clearance(model, margin_z=z, tail=spec.scenario.confidence)
        return cleared is not None and cleared <= days - 1

    if clears(0):
        return 0
    low, high = 0, 1
    while not clears(high):
        low, high = high, high * 2
        if high > 4096:
            return high  # beyond any office; the check by simulation will say it falls short
    while high - low > 1:
        middle = (low + high) // 2
        if clears(middle):
            high = middle
        else:
            low = middle
    return high


def _walk_in_windows(office: PlanningOffice, spec: ScenarioSpec, days: int) -> int:
    """Walk-in windows to add so walk-ins wait within the target, by Erlang C per hour."""
    model = office.model(start=spec.scenario.start, days=min(days, 14))
    open_days = [day for day in model.windows if any(w.intervals for w in day)]
    if not open_days:
        return 0
    # New walk-ins of an open day, including those of the closed days before it.
    walk_ins = float(np.sum(model.daily_demand)) * model.walk_in_share / len(open_days)
    hours = _open_hours(open_days[0])
    profile = np.asarray(model.hourly_profile)[hours]
    if walk_ins <= 0 or profile.sum() <= 0:
        return 0
    arrivals = walk_ins * profile / profile.sum()
    needed = max(
        windows_by_hour(
            arrivals.tolist(),
            mean_service_hours=model.mean_service / 60,
            target=ServiceLevel(
                share=spec.scenario.wait_share,
                within=spec.scenario.wait_within_minutes / model.mean_service,
            ),
        )
    )
    free_now = sum(1 for w in open_days[0] if w.intervals and not w.bookable)
    return max(0, needed - free_now)


def _open_hours(day: Sequence[WindowDay]) -> list[int]:
    hours: set[int] = set()
    for window in day:
        for opens, closes in window.intervals:
            hours.update(range(opens // 60, math.ceil(closes / 60)))
    return sorted(hours)


def _share_within(runs: OfficeRuns, minutes: float) -> float:
    waits = runs.walk_in_waits
    total = waits.sum()
    if total == 0:
        return 1.0
    bins = int(minutes // WAIT_BIN_MINUTES)
    return float(waits[:bins].sum() / total)


def _usual_windows(model: OfficeModel) -> int:
    counts = [sum(1 for w in day if w.intervals) for day in model.windows[:14]]
    open_counts = [count for count in counts if count]
    return max(set(open_counts), key=open_counts.count) if open_counts else 0


def _usual_places(model: OfficeModel) -> float:
    places = places_per_day(model.windows[:14], slot_minutes=model.slot_minutes)
    open_places = places[places > 0]
    return float(np.median(open_places)) if len(open_places) else 0.0


def _stage(progress: Progress | None, name: str, total: int) -> Callable[[int], None] | None:
    if progress is None:
        return None
    progress(name, 0, total)

    def advance(count: int) -> None:
        progress(name, count, total)

    return advance
