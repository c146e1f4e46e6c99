"""Capacity planning: queueing formulas and staffing.

Pure Python and NumPy, no database: it runs anywhere.
"""

from kezek.planning.erlang import (
    ErlangA,
    erlang_a,
    erlang_b,
    erlang_c,
    mean_wait_c,
    service_level_c,
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
    "ErlangA",
    "HourlyMethod",
    "MeanWait",
    "ServiceLevel",
    "erlang_a",
    "erlang_b",
    "erlang_c",
    "halfin_whitt_beta",
    "mean_wait_c",
    "offered_load_by_hour",
    "service_level_c",
    "square_root_staffing",
    "windows_by_hour",
    "windows_needed",
]
