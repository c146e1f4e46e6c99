"""Clerk rosters: CP-SAT against a greedy roster, on Moscow's busiest month.

The need is the one `kezek plan` would write to window-hours.csv for a surge in April 2025:
50 windows open 09:00-13:00 and 14:00-18:00 on the weekdays, except the holiday on
2025-04-07, and on two Saturdays (2025-04-12 and 2025-04-26) 10:00-16:00, 23 open days in
all. The clerks are the example office's 100 (examples/clerks/msk.csv): most full time,
some part time (3 or 4 days, 24 or 32 hours a week), some never on Saturdays, a few on
holiday. Shifts of 4 to 9 hours, the lunch break paid as part of a shift that spans it.

Prints the solver's time, its clerk-hours against the window-hours (which no roster can
beat) and against the bound it proved, whether it proved its roster optimal, and, side by
side, the clerk-hours of the greedy roster a manager would draw by hand (the longest
useful shift first, to the least loaded clerk). Both rosters are checked against every rule.
Targets: no clerk short; clerk-hours within a few % of the lower bound; under 30 s on two
cores.

    python bench/roster.py [--seconds 25] [--workers N] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from kezek.planning.roster_check import broken_rules
from kezek.planning.roster_clerks import read_clerks
from kezek.planning.roster_greedy import greedy_roster
from kezek.planning.roster_need import DayNeed
from kezek.planning.roster_plan_file import read_window_hours
from kezek.planning.roster_result import Roster
from kezek.planning.roster_shifts import ShiftRules
from kezek.planning.roster_solve import solve_roster

ROOT = Path(__file__).resolve().parent.parent
CLERKS = ROOT / "examples" / "clerks" / "msk.csv"
DEADLINE = date(2025, 4, 30)
HOLIDAY = date(2025, 4, 7)
SATURDAYS = (date(2025, 4, 12), date(2025, 4, 26))
WINDOWS = 50


def window_hours_csv() -> str:
    """April 2025 at Moscow, as `kezek plan` writes window-hours.csv."""
    rows = ["deadline,office,date,hours,windows"]
    day = date(2025, 4, 1)
    while day.month == 4:
        if day.weekday() < 5 and day != HOLIDAY:
            rows.append(f"{DEADLINE},msk,{day},09:00-13:00 14:00-18:00,{WINDOWS}")
        elif day in SATURDAYS:
            rows.append(f"{DEADLINE},msk,{day},10:00-16:00,{WINDOWS}")
        day += timedelta(days=1)
    return "\n".join(rows) + "\n"


def moscow_april() -> list[DayNeed]:
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "window-hours.csv"
        path.write_text(window_hours_csv(), encoding="utf-8")
        return read_window_hours(path).needs("msk", DEADLINE)


def figures(roster: Roster, rules: ShiftRules, seconds: float) -> dict[str, object]:
    fewest, most = roster.weekend_range or (0, 0)
    return {
        "seconds": round(seconds, 2),
        "clerk_hours": roster.clerk_minutes / 60,
        "short_clerk_hours": roster.short_minutes / 60,
        "clerks_used": len(roster.used),
        "weekend_shifts_min": fewest,  # of the clerks who can work a Saturday
        "weekend_shifts_max": most,
        "rules_broken": len(broken_rules(roster, rules)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=25.0, help="the solver's time limit")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--json", action="store_true", help="end with one JSON line")
    args = parser.parse_args()

    needs = moscow_april()
    clerks = read_clerks(CLERKS)
    rules = ShiftRules()
    began = time.perf_counter()
    greedy = greedy_roster(needs, clerks, rules)
    greedy_seconds = time.perf_counter() - began
    began = time.perf_counter()
    solved = solve_roster(needs, clerks, rules, seconds=args.seconds, workers=args.workers)
    solve_seconds = time.perf_counter() - began
    window_hours = solved.window_minutes / 60
    proven = solved.minutes_bound / 60
    cp = figures(solved, rules, solve_seconds)
    summary = {
        "open_days": len(needs),
        "clerks": len(clerks),
        "workers": args.workers,
        "window_hours": window_hours,
        "proven_bound_hours": proven,
        "optimal": solved.solved.optimal,
        "cp_sat": cp,
        "greedy": figures(greedy, rules, greedy_seconds),
        "ratio_to_window_hours": round(solved.clerk_minutes / solved.window_minutes, 4),
        "ratio_to_proven_bound": round(solved.clerk_minutes / solved.minutes_bound, 4),
        "ratio_to_greedy": round(solved.clerk_minutes / greedy.clerk_minutes, 4),
    }
    _print(summary)
    if args.json:
        print(json.dumps(summary))


def _print(summary: dict[str, object]) -> None:
    cp, greedy = summary["cp_sat"], summary["greedy"]
    assert isinstance(cp, dict) and isinstance(greedy, dict)
    print(
        f"Moscow, April 2025: {summary['open_days']} open days, {summary['clerks']} clerks, "
        f"{summary['window_hours']:,.0f} window-hours (no roster can have fewer clerk-hours)"
    )
    print(f"{'':24}{'CP-SAT':>12}{'greedy':>12}")
    for label, key, form in (
        ("time, s", "seconds", "{:>12.2f}"),
        ("clerk-hours", "clerk_hours", "{:>12,.1f}"),
        ("clerk-hours short", "short_clerk_hours", "{:>12,.1f}"),
        ("clerks used", "clerks_used", "{:>12}"),
        ("weekend shifts, fewest", "weekend_shifts_min", "{:>12}"),
        ("weekend shifts, most", "weekend_shifts_max", "{:>12}"),
        ("rules broken", "rules_broken", "{:>12}"),
    ):
        print(f"{label:24}" + form.format(cp[key]) + form.format(greedy[key]))
    print(
        f"CP-SAT on {summary['workers']} threads, "
        f"{'proven optimal' if summary['optimal'] else 'not proven optimal'}; "
        f"proven bound {summary['proven_bound_hours']:,.1f} clerk-hours"
    )
    print(
        f"clerk-hours / window-hours   {summary['ratio_to_window_hours']:.4f}   "
        "(target: within a few %)"
    )
    print(f"clerk-hours / proven bound   {summary['ratio_to_proven_bound']:.4f}")
    print(f"CP-SAT / greedy clerk-hours  {summary['ratio_to_greedy']:.4f}")
    print(f"solve time                   {cp['seconds']:.2f} s   (target < 30 s)")


if __name__ == "__main__":
    main()
