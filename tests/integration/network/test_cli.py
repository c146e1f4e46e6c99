"""kezek network validate / load and kezek db upgrade, as a person runs them."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from kezek.app import create_app
from kezek.cli.main import app
from kezek.config import get_settings
from kezek.network.models import Office
from tests.conftest import TEST_SECRET
from tests.factories import NETWORK_TOML, booking_body

EXAMPLE = Path(__file__).parents[3] / "examples" / "network" / "kyrgyz-consulates-russia.toml"
runner = CliRunner()


def test_validate_accepts_the_example() -> None:
    result = runner.invoke(app, ["network", "validate", str(EXAMPLE)])

    assert result.exit_code == 0, result.output
    assert "7 offices, 5 services" in result.output


def test_validate_lists_errors_with_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(NETWORK_TOML.replace('timezone = "Asia/Bishkek"', 'timezone = "Bishkek"', 1))

    result = runner.invoke(app, ["network", "validate", str(bad)])

    assert result.exit_code == 1
    line = NETWORK_TOML.splitlines().index('timezone = "Asia/Bishkek"') + 1
    assert f"{bad}:{line}: offices[0].timezone: 'Bishkek' is not an IANA time zone" in result.output
    assert "1 error" in result.output
    assert "nothing was loaded" in result.output


def test_validate_names_a_missing_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["network", "validate", str(tmp_path / "none.toml")])
    assert result.exit_code != 0
    assert "none.toml" in result.output


def test_load_twice_reports_no_change(
    cli_env: None, engine: object, sessions: sessionmaker[Session]
) -> None:
    first = runner.invoke(app, ["network", "load", str(EXAMPLE)])
    second = runner.invoke(app, ["network", "load", str(EXAMPLE)])

    assert first.exit_code == second.exit_code == 0, first.output
    assert "already up to date" in second.output
    with sessions() as session:
        assert len(session.scalars(select(Office)).all()) == 7


def test_db_upgrade_is_repeatable(cli_env: None) -> None:
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "Database is at revision" in result.output


def test_load_warns_when_a_change_affects_future_bookings(
    cli_env: None, engine: object, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    network = tmp_path / "net.toml"
    network.write_text(NETWORK_TOML)
    runner.invoke(app, ["network", "load", str(network)])
    settings = get_settings()
    with TestClient(create_app(settings)) as client:
        booked = client.post("/api/v1/bookings", json=booking_body())
    assert booked.status_code == 201, booked.text
    network.write_text(NETWORK_TOML.replace("slot_minutes = 10", "slot_minutes = 20", 1))

    changed = runner.invoke(app, ["network", "load", str(network)])
    unchanged = runner.invoke(app, ["network", "load", str(network)])

    assert changed.exit_code == 0, changed.output
    assert "Warning: office bsk changed its slot length" in changed.output
    assert "1 future bookings exist" in changed.output
    assert "Warning" not in unchanged.output


def test_load_into_an_unmigrated_database_says_what_to_do(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("KEZEK_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    monkeypatch.setenv("KEZEK_SECRET_KEY", TEST_SECRET)
    get_settings.cache_clear()

    result = runner.invoke(app, ["network", "load", str(EXAMPLE)])

    get_settings.cache_clear()
    assert result.exit_code == 1
    assert "run `kezek db upgrade` first" in result.output
    assert "Nothing was loaded" in result.output
