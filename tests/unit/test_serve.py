from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from kezek.cli.main import app
from kezek.config import get_settings


def test_production_refuses_to_serve_without_a_secret(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("KEZEK_ENVIRONMENT", "production")
    monkeypatch.setenv("KEZEK_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("KEZEK_SECRET_KEY", raising=False)
    monkeypatch.delenv("KEZEK_SECRET_KEY_FILE", raising=False)
    get_settings.cache_clear()

    result = CliRunner().invoke(app, ["serve"])

    get_settings.cache_clear()
    assert result.exit_code == 2
    assert "KEZEK_SECRET_KEY is not set" in result.output
    assert not (tmp_path / "secret_key").exists()
