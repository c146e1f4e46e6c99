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
from dataclasses import dataclass, field, replace

import numpy as np

from kezek.network.spec import NetworkSpec
from kezek.planning.actuals import Actuals, walk_ins_per_open_day
from kezek.planning.choice import Choice, network_choices
from kezek.planning.cost import AddedCost, added_cost
from kezek.planning.fluid import fluid_clearance
from kezek.planning.geography import to_nearest, with_team
from kezek.planning.lead_time import LeadTimes, lead_times
from kezek.planning.office_model import WAIT_BIN_MINUTES, OfficeModel
from kezek.planning.reach import (
    OutOfReach,
    added,
    most_added,
    office_confidence,
    out_of_reach,
    usual_windows,
)
from kezek.planning.runs import WILSON_Z, Job, OfficeRuns, run_jobs
from kezek.planning.scenario import (
    Change,
    MobileTeam,
    MoveDeadline,
    NearestOffice,
    ScenarioSpec,
    english,
)
from kezek.planning.scenario_offices import (
    PlanningOffice,
    planning_offices,
    shift_demand,
)
from kezek.planning.sensitivity import Sensitivity, sensitivity

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
    walk_in_within: float  # simulated: share of walk-in visits called within the target wait
    met: bool
    out_of_reach: OutOfReach | None = None  # no number of windows makes the deadline
    added_window_days: int = 0  # beyond today's windows, from the start to the deadline
    served: float = 0.0  # of the backlog, by the deadline, mean over runs
    planned: PlanningOffice | None = None  # the office as recommended: its windows and hours
    extras: frozenset[str] = frozenset()  # extra hours worked: "saturdays", "evenings"
    door_windows: int = 0  # walk-in windows while the backlog comes to the door
    confidence: float = 0.0  # the chance this office was planned to clear with
    added_cost: AddedCost | None = None  # the hours added, and their weight

    @property
    def added_windows(self) -> int:
        """Windows added on a day the backlog still comes to the door: the most at once."""
        return self.booked_windows + self.walk_in_windows + self.door_windows

    def cost(self, per_window_day: float | None) -> float | None:
        if per_window_day is None:
            return None
        if self.added_cost is None:
            return self.added_window_days * per_window_day
        return self.added_cost.money(per_window_day)


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
    window_day_cost: float | None = None  # of one added window for one day
    coming: int = 0  # of the backlog, those who come
    walk_ins_per_open_day: float = 0.0  # newcomers who walk in on an open day


@dataclass
class Variant:
    name: str
    deadlines: tuple[dt.date, ...]
    offices: list[OfficeOutcome]
    network: Clearance
    # Per deadline: the share of runs in which every office cleared with its recommendation.
    recommended_cleared: list[float] = field(default_factory=list)
    office_confidence: float = 0.0  # what each office was planned to clear with

    def planned_confidence(self, n: int) -> float:
        """The chance the network clears by the ``n``-th deadline, as planned: the
        product of its offices' chances (their runs are independent)."""
        return math.prod(
            office.recommendations[n].confidence for office in self.offices if office.backlog
        )

    def added(self, n: int) -> Added:
        """What the recommendations for the ``n``-th deadline add up to."""
        recommendations = [(office, office.recommendations[n]) for office in self.offices]
        costs = [rec.cost(office.window_day_cost) for office, rec in recommendations]
        known = [cost for cost in costs if cost is not None]
        weighed = [rec.added_cost for _, rec in recommendations if rec.added_cost is not None]
        return Added(
            window_days=sum(rec.added_window_days for _, rec in recommendations),
            weighted_days=sum(cost.weighted_days for cost in weighed),
            staff_hours=sum(cost.staff_hours for cost in weighed),
            served=sum(rec.served for _, rec in recommendations),
            cost=sum(known) if known else None,
            every_office_costed=len(known) == len(costs),
            served_where_costed=sum(
                rec.served
                for (_, rec), cost in zip(recommendations, costs, strict=True)
                if cost is not None
            ),
        )


@dataclass(frozen=True)
class Added:
    """The windows a deadline's recommendations add beyond today's, over the network."""

    window_days: int  # as many staff-days, with one clerk a window
    weighted_days: float  # usual window-days costing as much, Saturdays and evenings weighed
    staff_hours: float  # window-hours added, with one clerk a window
    served: float  # of the backlog, by the deadline
    cost: float | None  # None: no office gives window_day_cost
    every_office_costed: bool
    served_where_costed: float  # of the backlog, at the offices that give the cost

    @property
    def per_person(self) -> float | None:
        """The cost per person of the backlog served, at the offices that give the cost."""
        if self.cost is None or not self.served_where_costed:
            return None
        return self.cost / self.served_where_costed


@dataclass
class Plan:
    spec: ScenarioSpec
    start: dt.date
    days: int
    baseline: Variant
    what_ifs: list[Variant]
    notes: list[str] = field(default_factory=list)
    sensitivity: Sensitivity | None = None
    lead_times: list[LeadTimes] = field(default_factory=list)
    actuals: Actuals | None = None  # a re-forecast: what the live system knew

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
            offices_after(offices, what_if.changes, spec),
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
    notes = _target_notes(spec, offices)
    each = baseline.office_confidence
    if runs < runs_to_show(each):
        notes.append(
            f"{runs} runs are too few to show {each:.1%} with 95% confidence, so a "
            "recommendation holds when that share of runs clears in time; with at least "
            f"{runs_to_show(each)} runs it must hold at the low end of the interval."
        )
    return Plan(
        spec=spec,
        start=start,
        days=days,
        baseline=baseline,
        what_ifs=what_ifs,
        notes=notes,
        sensitivity=sensitivity(spec, offices),
        lead_times=lead_times(spec, offices),
    )


def _target_notes(spec: ScenarioSpec, offices: dict[str, PlanningOffice]) -> list[str]:
    """What the plan counts as cleared, when it is not everyone in the backlog."""
    notes = []
    share = spec.scenario.served_share
    if share < 1:
        notes.append(
            f"The target is {share:.0%} of the backlog served, not everyone: the backlog "
            "counts as cleared once no more than the rest still wait."
        )
    start = spec.scenario.start
    never = [
        f"{code} {office.backlog_total - office.model(start=start, days=1).backlog:,}"
        for code, office in offices.items()
        if office.model(start=start, days=1).backlog < office.backlog_total
    ]
    if never:
        notes.append(
            "Part of the backlog never comes and is not waited for: " + ", ".join(never) + "."
        )
    return notes


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
    offices: dict[str, PlanningOffice], changes: Sequence[Change], spec: ScenarioSpec
) -> dict[str, PlanningOffice]:
    """The offices with a what-if's changes: demand moved by share or by distance, mobile
    teams in other towns as sites of their own, then each office's own changes."""
    changed = shift_demand(offices, changes)
    geography = spec.geography
    teams = 0
    for change in changes:
        if isinstance(change, NearestOffice) and geography is not None:
            changed = to_nearest(changed, change, geography)
        elif isinstance(change, MobileTeam) and change.at is not None and geography is not None:
            teams += 1
            days = spec.scenario.horizon_days
            changed = with_team(changed, change, geography, number=teams, days=days)
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
                windows_now=usual_windows(model),
                places_per_day=_usual_places(model),
                clearance=_clearance(
                    [runs.cleared_on], fluid_clearance(model), start, deadlines, spec
                ),
                runs=runs,
                window_day_cost=office.window_day_cost,
                coming=model.backlog,
                walk_ins_per_open_day=walk_ins_per_open_day(office, start),
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
    """Windows per office for each deadline: the fluid rule with its margin, then checked.

    A deadline out of an office's reach is said at once, with the earliest date it could
    reach and why, and is not simulated.
    """
    info = spec.scenario
    each = office_confidence(info.confidence, sum(1 for o in offices.values() if o.backlog_total))
    checks = _Checks(seeds=seeds, runs=runs, processes=processes, progress=progress)
    for outcome in baseline.offices:
        outcome.recommendations = []
        outcome.recommended_runs = []
    baseline.recommended_cleared = []
    baseline.office_confidence = each
    problems = []
    for deadline in info.deadlines:
        limits = {code: most_added(office, spec) for code, office in offices.items()}
        beyond = {
            code: found
            for code, office in offices.items()
            if (found := out_of_reach(office, spec, deadline, each, limits[code])) is not None
        }
        reachable = {code: office for code, office in offices.items() if code not in beyond}
        choices = network_choices(reachable, spec, deadline, limits, each)
        problems.append(_Deadline(deadline, reachable, choices, limits, beyond))
    # The deadlines' searches are independent: their checks share each round of runs.
    for problem, settled in zip(problems, _checked_windows(spec, problems, checks), strict=True):
        deadline, beyond = problem.deadline, problem.beyond
        days = (deadline - info.start).days + 1
        results = []
        for outcome in baseline.offices:
            if outcome.code in beyond:
                recommendation, result = _unreachable(
                    outcome, deadline, days, beyond[outcome.code], info.wait_within_minutes
                )
            else:
                recommendation, result = _reached(settled[outcome.code], deadline, days, spec)
            today = offices[outcome.code]
            planned = today
            if outcome.code in settled:
                mine = settled[outcome.code]
                planned = added(
                    today, deadline, mine.booked, mine.walk_ins, mine.extras, mine.choice.door
                )
            recommendation = replace(
                recommendation,
                planned=planned,
                added_cost=added_cost(today, planned, info.start, days),
            )
            outcome.recommendations.append(_costed(recommendation, result, outcome, days))
            outcome.recommended_runs.append(result)
            results.append(result)
        baseline.recommended_cleared.append(all_cleared_by(results, days - 1))


def all_cleared_by(results: Sequence[OfficeRuns], day: int) -> float:
    """The share of runs in which every office cleared by ``day``."""
    if not results:
        return 1.0
    cleared = np.stack([(r.cleared_on >= 0) & (r.cleared_on <= day) for r in results])
    return float(cleared.all(axis=0).mean())


@dataclass(frozen=True)
class _Checks:
    seeds: dict[str, int]
    runs: int
    processes: int | None
    progress: Progress | None


@dataclass(frozen=True)
class _Settled:
    booked: int
    walk_ins: int
    fluid: int
    result: OfficeRuns
    choice: Choice

    @property
    def extras(self) -> frozenset[str]:
        return self.choice.extras


@dataclass(frozen=True)
class _Deadline:
    """One deadline's search: the offices that can reach it and their first guesses."""

    deadline: dt.date
    offices: dict[str, PlanningOffice]
    choices: dict[str, Choice]
    limits: dict[str, int]
    beyond: dict[str, OutOfReach]


def _checked_windows(
    spec: ScenarioSpec, problems: Sequence[_Deadline], checks: _Checks
) -> list[dict[str, _Settled]]:
    """Each office's choice for each deadline, checked by simulation at its confidence
    until it holds; the checks of every deadline and office in one round share the cores."""
    info = spec.scenario
    pending = {
        (n, code): (choice.booked, choice.walk_ins)
        for n, problem in enumerate(problems)
        for code, choice in problem.choices.items()
    }
    searches = {
        (n, code): _Search(
            booked, walk_ins, problems[n].limits[code] - problems[n].choices[code].door
        )
        for (n, code), (booked, walk_ins) in pending.items()
    }
    for _ in range(MAX_CHECKS):
        if not pending:
            break
        jobs = {
            key: _check_job(spec, problems[key[0]], key[1], guess, checks)
            for key, guess in pending.items()
        }
        done = run_jobs(
            jobs.values(),
            runs=checks.runs,
            seed=info.seed,
            processes=checks.processes,
            advance=_stage(checks.progress, "checking windows", len(jobs) * checks.runs),
        )
        for (n, code), job in jobs.items():
            booked, walk_ins = pending.pop((n, code))
            result = done[job]
            choice = problems[n].choices[code]
            following = searches[n, code].learn(
                booked,
                walk_ins,
                result,
                clears=_clears(result, job.days - 1, choice.confidence),
                waits_well=_share_within(result, info.wait_within_minutes) >= info.wait_share,
            )
            if following is not None:
                pending[n, code] = following
    settled: list[dict[str, _Settled]] = [{} for _ in problems]
    for (n, code), search in searches.items():
        booked, walk_ins, result = search.answer()
        choice = problems[n].choices[code]
        settled[n][code] = _Settled(booked, walk_ins, choice.booked, result, choice)
    return settled


def _check_job(
    spec: ScenarioSpec, problem: _Deadline, code: str, guess: tuple[int, int], checks: _Checks
) -> Job:
    """The runs that check one guess of booked and walk-in windows, up to the deadline."""
    start = spec.scenario.start
    days = (problem.deadline - start).days + 1
    booked, walk_ins = guess
    office = _planned(
        problem.offices[code], problem.deadline, booked, walk_ins, problem.choices[code]
    )
    return Job(office.model(start=start, days=days), checks.seeds[code], days)


def _planned(
    office: PlanningOffice, deadline: dt.date, booked: int, walk_ins: int, choice: Choice
) -> PlanningOffice:
    return added(office, deadline, booked, walk_ins, choice.extras, choice.door)


def _reached(
    settled: _Settled, deadline: dt.date, days: int, spec: ScenarioSpec
) -> tuple[Recommendation, OfficeRuns]:
    info = spec.scenario
    result = settled.result
    within = _share_within(result, info.wait_within_minutes)
    recommendation = Recommendation(
        deadline=deadline,
        booked_windows=settled.booked,
        walk_in_windows=settled.walk_ins,
        windows_per_day=tuple(int(n) for n in result.windows_open),
        fluid_windows=settled.fluid,
        cleared_share=result.cleared_by(days - 1),
        walk_in_within=within,
        met=_clears(result, days - 1, settled.choice.confidence) and within >= info.wait_share,
        extras=settled.extras,
        door_windows=settled.choice.door,
        confidence=settled.choice.confidence,
    )
    return recommendation, result


def _costed(
    recommendation: Recommendation, result: OfficeRuns, outcome: OfficeOutcome, days: int
) -> Recommendation:
    """The window-days added beyond today's, and the people served meanwhile."""
    today = int(outcome.runs.windows_open[:days].sum())
    return replace(
        recommendation,
        added_window_days=sum(recommendation.windows_per_day) - today,
        served=result.backlog_served_by(days - 1),
    )


def _unreachable(
    outcome: OfficeOutcome, deadline: dt.date, days: int, beyond: OutOfReach, minutes: float
) -> tuple[Recommendation, OfficeRuns]:
    """Nothing added: the deadline is out of reach, and today's runs show how far."""
    runs = outcome.runs
    recommendation = Recommendation(
        deadline=deadline,
        booked_windows=0,
        walk_in_windows=0,
        windows_per_day=tuple(int(n) for n in runs.windows_open[:days]),
        fluid_windows=0,
        cleared_share=runs.cleared_by(days - 1),
        walk_in_within=_share_within(runs, minutes),
        met=False,
        out_of_reach=beyond,
    )
    return recommendation, runs


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
    Booked and walk-in windows together stop at ``limit``, the most the office may add.
    """

    def __init__(self, booked: int, walk_ins: int, limit: int) -> None:
        self.limit = limit
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
        following = booked + (not clears), walk_ins + (not waits_well)
        if sum(following) > self.limit:
            return None  # as many as the office holds, and still short
        return following

    def answer(self) -> tuple[int, int, OfficeRuns]:
        found = self.best or self.last
        assert found is not None  # at least one check ran
        return found


def _share_within(runs: OfficeRuns, minutes: float) -> float:
    """The share of walk-in visits called within ``minutes``.

    A visit not served that day counts against it: that person waits overnight.
    """
    waits = runs.walk_in_waits
    total = waits.sum() + runs.walk_ins_unserved
    if total == 0:
        return 1.0
    bins = int(minutes // WAIT_BIN_MINUTES)
    return float(waits[:bins].sum() / total)


def _usual_places(model: OfficeModel) -> float:
    places = model.places[:14]
    open_places = places[places > 0]
    return float(np.median(open_places)) if len(open_places) else 0.0


def _stage(progress: Progress | None, name: str, total: int) -> Callable[[int], None] | None:
    if progress is None:
        return None
    progress(name, 0, total)

    def advance(count: int) -> None:
        progress(name, count, total)

    return advance
