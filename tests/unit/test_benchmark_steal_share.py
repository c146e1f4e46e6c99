"""The benchmarks say how much of the machine's CPU its host gave to other machines while
each phase ran (steal), read from Linux's /proc/stat: a phase slowed by a neighbour is
then seen as such beside its reference."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture(scope="module")
def support() -> ModuleType:
    sys.path.insert(0, str(BENCH))
    try:
        return importlib.import_module("_support")
    finally:
        sys.path.remove(str(BENCH))


def test_the_counters_total_the_time_up_to_steal_without_counting_guests_twice(
    support: ModuleType,
) -> None:
    line = "cpu  100 5 30 800 10 0 5 50 40 0"  # guest (40) is inside user (100) already

    assert support.cpu_counters_of(line) == (1000, 50)


def test_an_older_kernel_without_steal_counts_none_stolen(support: ModuleType) -> None:
    assert support.cpu_counters_of("cpu  100 5 30 800 10 0 5") == (950, 0)


def test_the_share_is_of_the_time_between_the_two_readings(support: ModuleType) -> None:
    before = support.cpu_counters_of("cpu  100 0 0 800 0 0 0 100")
    after = support.cpu_counters_of("cpu  400 0 0 1000 0 0 0 400")

    assert support.stolen_share(before, after) == 0.375  # 300 stolen of 800 ticks
    assert support.stolen_share(before, before) == 0.0
    assert support.stolen_share(None, after) is None


def test_this_machine_gives_counters_that_grow(support: ModuleType) -> None:
    if not Path("/proc/stat").exists():
        pytest.skip("no /proc/stat: not Linux")
    first = support.cpu_counters()
    assert first is not None
    sum(range(2_000_000))  # some CPU time passes
    later = support.cpu_counters()
    assert later is not None and later[0] >= first[0] and later[1] >= first[1]
    share = support.stolen_share(first, later)
    assert share is not None and 0.0 <= share <= 1.0
