from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest

from kezek.config import Environment, Settings, SettingsError


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "KEZEK_SECRET_KEY",
        "KEZEK_SECRET_KEY_FILE",
        "KEZEK_DATABASE_URL",
        "KEZEK_ENVIRONMENT",
    ):
        monkeypatch.delenv(name, raising=False)


def test_the_default_database_is_sqlite_under_var(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path)
    assert settings.sqlalchemy_url == f"sqlite:///{tmp_path.resolve()}/kezek.db"


def test_settings_come_from_kezek_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEZEK_DATABASE_URL", "postgresql+psycopg://db/kezek")
    monkeypatch.setenv("KEZEK_BOOKING_HORIZON_DAYS", "14")
    settings = Settings()
    assert settings.sqlalchemy_url == "postgresql+psycopg://db/kezek"
    assert settings.booking_horizon_days == 14


def test_a_secret_can_come_from_a_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "key").write_text("from-a-file\n")
    monkeypatch.setenv("KEZEK_SECRET_KEY_FILE", str(tmp_path / "key"))
    assert Settings().secret_bytes() == b"from-a-file"


def test_an_unreadable_secret_file_is_named(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("KEZEK_SECRET_KEY_FILE", str(tmp_path / "missing"))
    with pytest.raises(ValueError, match=r"KEZEK_SECRET_KEY_FILE=.*missing cannot be read"):
        Settings()


def test_development_generates_and_keeps_a_secret(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        first = Settings(var_dir=tmp_path).secret_bytes()
    second = Settings(var_dir=tmp_path).secret_bytes()

    assert first == second and len(first) >= 32
    assert "KEZEK_SECRET_KEY is not set" in caplog.text
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600


def test_production_refuses_to_start_without_a_secret(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path, environment=Environment.production)
    with pytest.raises(SettingsError, match="KEZEK_SECRET_KEY"):
        settings.secret_bytes()
    assert not (tmp_path / "secret_key").exists()


def test_bad_numbers_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEZEK_BOOKING_HORIZON_DAYS", "0")
    with pytest.raises(ValueError, match="booking_horizon_days"):
        Settings()
