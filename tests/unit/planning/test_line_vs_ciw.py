"""Kezek's line against Ciw on windows by the hour and two priority classes."""

from __future__ import annotations

import numpy as np
import pytest

from kezek.planning.simulate import Estimate, estimate

from .hourly_model import HourlyModel, ciw_mean_waits, kezek_mean_waits


@pytest.mark.parametrize("patience", [None, 20.0], ids=["patient", "giving-up"])
def test_mean_waits_of_both_classes_agree_with_ciw(record_property, patience) -> None:  # type: ignore[no-untyped-def]
    model = HourlyModel(mean_patience=patience)
    streams = np.random.SeedSequence(7).spawn(40)
    ours = [kezek_mean_waits(model, np.random.default_rng(s)) for s in streams]
    theirs = [ciw_mean_waits(model, seed) for seed in range(12)]

    for k in (0, 1):
        kezek = estimate([run[k] for run in ours])
        ciw = estimate([run[k] for run in theirs])
        record_property("figure", f"class {k} mean wait: kezek {kezek} vs Ciw {ciw} minutes")
        assert _agree(kezek, ciw), (k, kezek, ciw)
    # The priority class really waits less, or the test would not tell classes apart.
    assert estimate([r[0] for r in ours]).mean < estimate([r[1] for r in ours]).mean / 1.5


def _agree(a: Estimate, b: Estimate) -> bool:
    return abs(a.mean - b.mean) <= float(np.hypot(a.half_width, b.half_width))
