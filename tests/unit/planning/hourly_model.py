"""One model run on Ciw and on Kezek's line: windows by the hour, two priority classes.

Times are in minutes. The schedule repeats every four hours; people of class 0 (a
priority group) are called before class 1 at every window, first come first served within
a class, and may give up after an exponential patience.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import ciw
import numpy as np

from kezek.planning.line import Window, simulate_line


@dataclass(frozen=True)
class HourlyModel:
    windows_by_hour: tuple[int, ...] = (4, 7, 7, 3)
    rates: tuple[float, float] = (0.05, 0.4)  # arrivals per minute, priority first
    mean_service: float = 10.0
    mean_patience: float | None = None
    minutes: float = 20_000.0
    warm_up: float = 240.0
    cool_down: float = 600.0  # arrivals this close to the end are not counted

    def counted(self, arrival: np.ndarray) -> np.ndarray:
        return (arrival >= self.warm_up) & (arrival < self.minutes - self.cool_down)


@dataclass(frozen=True)
class RunFigures:
    mean_waits: tuple[float, float]  # of those served, priority class first
    customers: int  # everyone who came, served or not


def kezek_mean_waits(model: HourlyModel, rng: np.random.Generator) -> tuple[float, float]:
    return kezek_run(model, rng).mean_waits


def ciw_mean_waits(model: HourlyModel, seed: int) -> tuple[float, float]:
    return ciw_run(model, seed).mean_waits


def kezek_run(model: HourlyModel, rng: np.random.Generator) -> RunFigures:
    """One run of the line: the mean wait of each class, of those served."""
    arrivals = [
        np.cumsum(rng.exponential(1 / rate, int(rate * model.minutes * 1.2) + 50))
        for rate in model.rates
    ]
    arrival = np.concatenate(arrivals)
    kind = np.concatenate([np.full(len(a), k) for k, a in enumerate(arrivals)])
    keep = arrival < model.minutes
    order = np.argsort(arrival[keep], kind="stable")
    arrival, kind = arrival[keep][order], kind[keep][order]
    duration = rng.exponential(model.mean_service, len(arrival))
    patience = (
        rng.exponential(model.mean_patience, len(arrival))
        if model.mean_patience
        else np.full(len(arrival), math.inf)
    )
    result = simulate_line(
        windows=_windows(model),
        arrival=arrival,
        kind=kind,
        duration=duration,
        patience=patience,
    )
    counted = model.counted(arrival) & result.served
    wait = result.start - arrival
    means = [float(wait[counted & (kind == k)].mean()) for k in (0, 1)]
    return RunFigures((means[0], means[1]), len(arrival))


def _windows(model: HourlyModel) -> list[Window]:
    """One window per hour and place, as Ciw staffs a schedule.

    At each change of shift Ciw starts the new shift's servers at once, while servers of
    the old shift who are busy finish their customer and leave. So each hour's places are
    windows of their own, open for that hour, which finish what they started.
    """
    cycle = len(model.windows_by_hour)
    hours = int(model.minutes // 60) + 48  # on past the end, so everyone counted is served
    return [
        Window(((hour * 60.0, hour * 60.0 + 60.0),), (0, 1))
        for hour in range(hours)
        for _ in range(model.windows_by_hour[hour % cycle])
    ]


def ciw_network(model: HourlyModel) -> ciw.network.Network:
    ends = [60.0 * (h + 1) for h in range(len(model.windows_by_hour))]
    service = ciw.dists.Exponential(1 / model.mean_service)
    network = {
        "arrival_distributions": {
            "Class 0": [ciw.dists.Exponential(model.rates[0])],
            "Class 1": [ciw.dists.Exponential(model.rates[1])],
        },
        "service_distributions": {"Class 0": [service], "Class 1": [service]},
        "number_of_servers": [
            ciw.Schedule(numbers_of_servers=list(model.windows_by_hour), shift_end_dates=ends)
        ],
        "priority_classes": {"Class 0": 0, "Class 1": 1},
    }
    if model.mean_patience:
        patience = ciw.dists.Exponential(1 / model.mean_patience)
        network["reneging_time_distributions"] = {"Class 0": [patience], "Class 1": [patience]}
    return ciw.create_network(**network)


def ciw_run(model: HourlyModel, seed: int) -> RunFigures:
    ciw.seed(seed)
    simulation = ciw.Simulation(ciw_network(model))
    simulation.simulate_until_max_time(model.minutes + 2_000)
    waits: dict[str, list[float]] = {"Class 0": [], "Class 1": []}
    records = simulation.get_all_records()
    for record in records:
        if record.record_type == "service" and model.counted(np.asarray(record.arrival_date)):
            waits[record.customer_class].append(record.waiting_time)
    means = (float(np.mean(waits["Class 0"])), float(np.mean(waits["Class 1"])))
    return RunFigures(means, len(records))
