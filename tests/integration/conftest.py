"""What the integration tests share beyond tests/conftest.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kezek.config import get_settings
from tests.conftest import TEST_SECRET


@pytest.fixture
def cli_env(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """The settings a ``kezek`` command reads, pointing at the test's database."""
    monkeypatch.setenv("KEZEK_DATABASE_URL", database_url)
    monkeypatch.setenv("KEZEK_SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("KEZEK_VAR_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
