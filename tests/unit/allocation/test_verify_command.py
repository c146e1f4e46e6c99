"""kezek draw verify FILE: confirmed (0), differs (1), or cannot be read (2)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from kezek.allocation.publication import applications_hash, places_hash
from kezek.allocation.seed import commitment
from kezek.cli.main import app
from tests.unit.allocation.test_publication import PEOPLE, SEED, SUPPLY, _file

runner = CliRunner()


def test_a_draw_as_published_is_confirmed(tmp_path: Path) -> None:
    file = tmp_path / "draw.json"
    file.write_text(_file(), encoding="utf-8")

    checked = ["--commitment", commitment(SEED), "--places-sha256", places_hash(SUPPLY)]
    checked += ["--applications-sha256", applications_hash(PEOPLE)]

    partly = runner.invoke(app, ["draw", "verify", str(file), "--commitment", commitment(SEED)])
    fully = runner.invoke(app, ["draw", "verify", str(file), *checked])

    assert (partly.exit_code, fully.exit_code) == (0, 0), partly.output + fully.output
    confirmed = "Confirmed: draw msk-april, 12 applications, 5 places given, 7 on the waitlist."
    assert fully.output.strip() == confirmed
    assert partly.output.startswith(confirmed)
    assert "give --places-sha256, --applications-sha256" in partly.output


def test_a_draw_changed_after_the_fact_differs(tmp_path: Path) -> None:
    document = json.loads(_file())
    document["result"]["order"].reverse()
    file = tmp_path / "draw.json"
    file.write_text(json.dumps(document), encoding="utf-8")

    result = runner.invoke(app, ["draw", "verify", str(file)])

    assert result.exit_code == 1
    assert "Differs: the order is not the one the seed gives." in result.output


def test_an_option_that_is_not_a_hash_is_said_plainly(tmp_path: Path) -> None:
    file = tmp_path / "draw.json"
    file.write_text(_file(), encoding="utf-8")

    result = runner.invoke(app, ["draw", "verify", str(file), "--commitment", "garbage"])

    assert result.exit_code == 2
    assert "--commitment is not a SHA-256" in result.output


def test_a_missing_or_foreign_file_is_said_plainly(tmp_path: Path) -> None:
    foreign = tmp_path / "other.json"
    foreign.write_text("{}", encoding="utf-8")

    missing = runner.invoke(app, ["draw", "verify", str(tmp_path / "none.json")])
    other = runner.invoke(app, ["draw", "verify", str(foreign)])

    assert (missing.exit_code, other.exit_code) == (2, 2)
    assert "none.json" in missing.output and "not a Kezek draw file" in other.output
    assert "Traceback" not in missing.output + other.output
