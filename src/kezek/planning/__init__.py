"""Capacity planning: queueing formulas, staffing and a fast simulator.

Pure Python and NumPy, no database: it runs anywhere.
"""

from kezek.planning.erlang import (
    ErlangA,
    erlang_a,
    erlang_b,
    erlang_c,
    mean_wait_c,
    service_level_a,
    service_level_c,
)
from kezek.planning.simulate import (
    Customers,
    Replicated,
    replicate_fcfs,
    simulate_fcfs,
    summarize,
)
from kezek.planning.staffing import (
    Abandonment,
    HourlyMethod,
    MeanWait,
    ServiceLevel,
    halfin_whitt_beta,
    offered_load_by_hour,
    square_root_staffing,
    windows_by_hour,
    windows_needed,
)

__all__ = [
    "Abandonment",
    "Customers",
    "ErlangA",
    "HourlyMethod",
    "MeanWait",
    "Replicated",
    "ServiceLevel",
    "erlang_a",
    "erlang_b",
    "erlang_c",
    "halfin_whitt_beta",
    "mean_wait_c",
    "offered_load_by_hour",
    "replicate_fcfs",
    "service_level_a",
    "service_level_c",
    "simulate_fcfs",
    "square_root_staffing",
    "summarize",
    "windows_by_hour",
    "windows_needed",
]
