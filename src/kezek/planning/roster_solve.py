"""Solving the roster model, and reading its answer back as clerks' shifts."""

from __future__ import annotations

import os
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import replace

from ortools.sat.python import cp_model

from kezek.planning.roster_clerks import Clerk
from kezek.planning.roster_greedy import greedy_roster
from kezek.planning.roster_model import Kind, RosterModel
from kezek.planning.roster_need import DayNeed
from kezek.planning.roster_result import Assignment, Roster, Solved
from kezek.planning.roster_shifts import ShiftRules

DEFAULT_SECONDS = 25.0


def solve_roster(
    needs: Sequence[DayNeed],
    clerks: Sequence[Clerk],
    rules: ShiftRules,
    *,
    seconds: float = DEFAULT_SECONDS,
    workers: int | None = None,
) -> Roster:
    """The best roster CP-SAT finds within ``seconds`` on ``workers`` threads (one per core
    by default); the greedy roster if it finds none in time.

    The greedy roster comes first. When it leaves no window unstaffed, neither may the
    solver's, and the model needs no shortage at all; it is then no hint to the solver,
    as a hint slowed the benchmark's proof of the optimum two- to threefold. When it does
    leave clerks short, it is the solver's first roster: with the shortage's great weight
    the solver may otherwise find none in the time, or a worse one.
    """
    began = time.perf_counter()
    greedy = greedy_roster(needs, clerks, rules)
    built = RosterModel(needs, clerks, rules, shortage=greedy.short_minutes > 0)
    if greedy.short_minutes > 0:
        hint(built, greedy)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.1, seconds - (time.perf_counter() - began))
    solver.parameters.num_workers = workers or os.cpu_count() or 1
    status = solver.solve(built.model)
    took = time.perf_counter() - began
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return replace(greedy, solved=replace(greedy.solved, seconds=took))
    assignments = tuple(sorted(read_assignments(built, solver)))
    short = any(solver.value(missing) for missing in built.short.values())
    objective, bound = round(solver.objective_value), round(solver.best_objective_bound)
    solved = Solved(
        "CP-SAT",
        optimal=status == cp_model.OPTIMAL,
        seconds=took,
        objective=objective,
        objective_bound=bound,
        # With no clerk missing in the best roster, none is in the optimum, and the bound on
        # the objective is one on clerk-minutes: the lesser aims weigh less than a minute.
        minutes_bound=None if short else bound // built.weights.clerk_minute,
    )
    return Roster(tuple(needs), tuple(clerks), assignments, solved)


def read_assignments(built: RosterModel, solver: cp_model.CpSolver) -> list[Assignment]:
    """Each clerk's shift: the day's shifts of the kind the clerk chose, in time order,
    matched to the clerks who chose that kind, in file order. Shifts of a kind are the same
    to every rule, so any matching keeps them all."""
    found = []
    for d, kinds in enumerate(built.kinds):
        chose: dict[Kind, list[str]] = defaultdict(list)
        for c, clerk in enumerate(built.clerks):
            for option in built.options.get((c, d), []):
                if solver.boolean_value(option.chosen):
                    chose[option.kind].append(clerk.name)
        for kind, names in chose.items():
            shifts = [
                shift
                for shift, count in sorted(built.counts[d].items())
                if kinds[shift] == kind
                for _ in range(solver.value(count))
            ]
            found += [Assignment(s, name) for s, name in zip(shifts, names, strict=True)]
    return found


def hint(built: RosterModel, roster: Roster) -> None:
    """Give the solver ``roster`` as its first solution, every variable of it."""
    day_index = {need.day: d for d, need in enumerate(built.needs)}
    mine = {(a.clerk, day_index[a.shift.day]): a.shift for a in roster.assignments}
    model = built.model
    for (c, d), options in built.options.items():
        shift = mine.get((built.clerks[c].name, d))
        kind = built.kinds[d][shift] if shift is not None else None
        for option in options:
            model.add_hint(option.chosen, option.kind == kind)
    given = Counter(a.shift for a in roster.assignments)
    for counts in built.counts:
        for each, count in counts.items():
            model.add_hint(count, given[each])
    short = {
        need.day: dict(zip(need.points, roster.short(need), strict=False)) for need in built.needs
    }
    for (d, start, _), missing in built.short.items():
        model.add_hint(missing, short[built.needs[d].day][start])
    working = {a.clerk for a in roster.assignments}
    for c, used in built.used.items():
        model.add_hint(used, built.clerks[c].name in working)
    if built.most is not None and built.fewest is not None:
        fewest, _ = roster.weekend_range or (0, 0)
        model.add_hint(built.most, max(roster.weekend_shifts.values(), default=0))
        model.add_hint(built.fewest, fewest)
