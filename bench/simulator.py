"""The simulator against Ciw and SimPy, in the same process, on the same models.

1. M/M/10 with λ = 9 and μ = 1, for a million customers, on Kezek, Ciw and SimPy: the
   customers simulated per second, the ratios, and each one's mean wait beside Erlang C.
2. A feature-rich model (windows by the hour, two priority classes, people giving up):
   Kezek against Ciw, on the model the tests check them against each other with.
3. The whole legalization-2025 plan (examples/scenarios/legalization-2025.toml), with its
   200 replications per variant, timed.

Kezek's figures are the best of three runs after one to compile; the references run once,
as they take much longer.

    python bench/simulator.py [--customers 1000000] [--rich-minutes 400000] [--json]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import ciw
import numpy as np
import simpy

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.unit.planning.hourly_model import HourlyModel, ciw_run, kezek_run  # noqa: E402

from kezek.planning import mean_wait_c, simulate_fcfs  # noqa: E402
from kezek.planning.planner import make_plan  # noqa: E402
from kezek.planning.scenario import read_scenario  # noqa: E402

WINDOWS, RATE = 10, 9.0
WARM_UP = 0.1  # the first tenth of the customers start from an empty office: not counted


def kezek_mmc(customers: int) -> tuple[float, float]:
    """Customers per second (best of three) and the mean wait."""
    simulate_fcfs(windows=WINDOWS, arrival_rate=RATE, customers=1000, rng=np.random.default_rng(0))
    best = float("inf")
    for seed in range(3):
        began = time.perf_counter()
        run = simulate_fcfs(
            windows=WINDOWS, arrival_rate=RATE, customers=customers, rng=np.random.default_rng(seed)
        )
        best = min(best, time.perf_counter() - began)
    return customers / best, float(run.wait[int(customers * WARM_UP) :].mean())


def ciw_mmc(customers: int) -> tuple[float, float]:
    ciw.seed(1)
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(RATE)],
        service_distributions=[ciw.dists.Exponential(1.0)],
        number_of_servers=[WINDOWS],
    )
    simulation = ciw.Simulation(network)
    began = time.perf_counter()
    simulation.simulate_until_max_customers(customers, method="Finish")
    took = time.perf_counter() - began
    records = sorted(simulation.get_all_records(), key=lambda r: r.arrival_date)
    waits = [r.waiting_time for r in records[int(len(records) * WARM_UP) :]]
    return len(records) / took, float(np.mean(waits))


def simpy_mmc(customers: int) -> tuple[float, float]:
    draw = random.Random(1)
    environment = simpy.Environment()
    windows = simpy.Resource(environment, capacity=WINDOWS)
    waits: list[float] = []

    def person(env: simpy.Environment):  # type: ignore[no-untyped-def]
        arrived = env.now
        with windows.request() as turn:
            yield turn
            waits.append(env.now - arrived)
            yield env.timeout(draw.expovariate(1.0))

    def arrivals(env: simpy.Environment):  # type: ignore[no-untyped-def]
        for _ in range(customers):
            yield env.timeout(draw.expovariate(RATE))
            env.process(person(env))

    environment.process(arrivals(environment))
    began = time.perf_counter()
    environment.run()
    took = time.perf_counter() - began
    return customers / took, float(np.mean(waits[int(customers * WARM_UP) :]))


def rich(minutes: float) -> dict[str, float]:
    model = HourlyModel(mean_patience=20.0, minutes=minutes)
    kezek_run(HourlyModel(mean_patience=20.0, minutes=2_000), np.random.default_rng(0))
    best = float("inf")
    for seed in range(3):
        began = time.perf_counter()
        ours = kezek_run(model, np.random.default_rng(seed))
        best = min(best, time.perf_counter() - began)
    began = time.perf_counter()
    theirs = ciw_run(model, seed=1)
    ciw_took = time.perf_counter() - began
    return {
        "rich_kezek_cps": ours.customers / best,
        "rich_ciw_cps": theirs.customers / ciw_took,
        "rich_kezek_waits": ours.mean_waits,  # type: ignore[dict-item]
        "rich_ciw_waits": theirs.mean_waits,  # type: ignore[dict-item]
    }


def whole_plan() -> tuple[float, int]:
    spec, network = read_scenario(ROOT / "examples/scenarios/legalization-2025.toml")
    began = time.perf_counter()
    plan = make_plan(spec, network)
    return time.perf_counter() - began, plan.baseline.offices[0].runs.runs


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--rich-minutes", type=float, default=400_000.0)
    parser.add_argument("--json", action="store_true", help="end with one JSON line")
    args = parser.parse_args()

    exact = mean_wait_c(WINDOWS, RATE)
    print(f"M/M/{WINDOWS}, λ={RATE:g}, μ=1, {args.customers:,} customers", flush=True)
    kezek_cps, kezek_wait = kezek_mmc(args.customers)
    print(f"  kezek  {kezek_cps:>12,.0f} customers/s   mean wait {kezek_wait:.4f}", flush=True)
    ciw_cps, ciw_wait = ciw_mmc(args.customers)
    print(f"  Ciw    {ciw_cps:>12,.0f} customers/s   mean wait {ciw_wait:.4f}", flush=True)
    simpy_cps, simpy_wait = simpy_mmc(args.customers)
    print(f"  SimPy  {simpy_cps:>12,.0f} customers/s   mean wait {simpy_wait:.4f}", flush=True)
    print(f"  Erlang C mean wait {exact:.4f}")
    print(f"  ratio: {kezek_cps / ciw_cps:,.0f}× Ciw, {kezek_cps / simpy_cps:,.0f}× SimPy")

    figures = rich(args.rich_minutes)
    print(
        f"Windows by the hour, 2 priority classes, giving up; {args.rich_minutes:,.0f} minutes",
        flush=True,
    )
    print(
        f"  kezek  {figures['rich_kezek_cps']:>12,.0f} customers/s   mean waits "
        + " / ".join(f"{w:.2f}" for w in figures["rich_kezek_waits"])  # type: ignore[attr-defined]
    )
    print(
        f"  Ciw    {figures['rich_ciw_cps']:>12,.0f} customers/s   mean waits "
        + " / ".join(f"{w:.2f}" for w in figures["rich_ciw_waits"])  # type: ignore[attr-defined]
    )
    rich_ratio = figures["rich_kezek_cps"] / figures["rich_ciw_cps"]
    print(f"  ratio: {rich_ratio:,.0f}× Ciw")

    plan_seconds, runs = whole_plan()
    print(f"legalization-2025 plan, {runs} replications per variant: {plan_seconds:.1f} s")

    if args.json:
        print(
            json.dumps(
                {
                    "kezek_cps": round(kezek_cps),
                    "ciw_cps": round(ciw_cps),
                    "simpy_cps": round(simpy_cps),
                    "ratio_ciw": round(kezek_cps / ciw_cps, 1),
                    "ratio_simpy": round(kezek_cps / simpy_cps, 1),
                    "rich_ratio_ciw": round(rich_ratio, 1),
                    "kezek_mean_wait": round(kezek_wait, 4),
                    "ciw_mean_wait": round(ciw_wait, 4),
                    "simpy_mean_wait": round(simpy_wait, 4),
                    "erlang_c_mean_wait": round(exact, 4),
                    "rich_kezek_cps": round(figures["rich_kezek_cps"]),
                    "rich_ciw_cps": round(figures["rich_ciw_cps"]),
                    "plan_seconds": round(plan_seconds, 1),
                    "plan_replications": runs,
                }
            )
        )


if __name__ == "__main__":
    main()
