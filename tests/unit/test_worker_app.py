"""What each worker process of ``kezek serve`` sets up around the app."""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from types import SimpleNamespace

import pytest

from kezek import app as app_module


@pytest.fixture
def as_before() -> Iterator[None]:
    interval = sys.getswitchinterval()
    yield
    sys.setswitchinterval(interval)
    gc.unfreeze()


class LineProcess:
    started = 0

    def start(self) -> None:
        self.started += 1


def _app(line_process: LineProcess | None) -> SimpleNamespace:
    return SimpleNamespace(
        state=SimpleNamespace(context=SimpleNamespace(line_process=line_process))
    )


def test_a_worker_freezes_what_it_built_and_hands_over_less_often(
    as_before: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    built = _app(None)
    monkeypatch.setattr(app_module, "create_app", lambda: built)
    gc.unfreeze()

    worker_app = app_module.create_worker_app()

    assert worker_app is built
    assert gc.get_freeze_count() > 0  # the startup objects, out of the collector's passes
    assert sys.getswitchinterval() == pytest.approx(app_module.WORKER_SWITCH_INTERVAL_SECONDS)


def test_a_worker_starts_its_line_process_before_the_first_request(
    as_before: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    line_process = LineProcess()
    monkeypatch.setattr(app_module, "create_app", lambda: _app(line_process))

    app_module.create_worker_app()

    assert line_process.started == 1
