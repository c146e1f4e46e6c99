"""What each worker process of ``kezek serve`` sets up around the app."""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator

import pytest

from kezek import app as app_module


@pytest.fixture
def as_before() -> Iterator[None]:
    interval = sys.getswitchinterval()
    yield
    sys.setswitchinterval(interval)
    gc.unfreeze()


def test_a_worker_freezes_what_it_built_and_hands_over_less_often(
    as_before: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    built = object()
    monkeypatch.setattr(app_module, "create_app", lambda: built)
    gc.unfreeze()

    worker_app = app_module.create_worker_app()

    assert worker_app is built
    assert gc.get_freeze_count() > 0  # the startup objects, out of the collector's passes
    assert sys.getswitchinterval() == pytest.approx(app_module.WORKER_SWITCH_INTERVAL_SECONDS)
