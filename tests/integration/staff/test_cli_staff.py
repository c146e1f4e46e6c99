from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kezek.cli.main import app
from kezek.config import get_settings
from tests.conftest import TEST_SECRET

runner = CliRunner()


@pytest.fixture
def cli_env(
    database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, network: None
) -> Iterator[None]:
    monkeypatch.setenv("KEZEK_DATABASE_URL", database_url)
    monkeypatch.setenv("KEZEK_SECRET_KEY", TEST_SECRET)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_add_list_and_disable(cli_env: None) -> None:
    added = runner.invoke(
        app,
        ["staff", "add", "aibek", "--role", "clerk", "--office", "bsk", "--full-name", "Aibek A."],
        input="long enough pw\nlong enough pw\n",
    )
    listed = runner.invoke(app, ["staff", "list"])
    disabled = runner.invoke(app, ["staff", "disable", "aibek"])
    after = runner.invoke(app, ["staff", "list"])

    assert added.exit_code == 0, added.output
    assert "Added clerk aibek" in added.output
    assert "long enough pw" not in added.output
    assert "aibek" in listed.output and "bsk" in listed.output
    assert disabled.exit_code == 0 and "no longer work" in disabled.output
    assert " no " in after.output or "│ no" in after.output


def test_add_names_the_problem(cli_env: None) -> None:
    short = runner.invoke(app, ["staff", "add", "xena", "--office", "bsk"], input="short\nshort\n")
    nowhere = runner.invoke(
        app,
        ["staff", "add", "yuri", "--office", "atlantis"],
        input="long enough pw\nlong enough pw\n",
    )

    assert short.exit_code == nowhere.exit_code == 1
    assert "password" in short.output and "10 characters" in short.output
    assert "office" in nowhere.output and "atlantis" in nowhere.output


def test_a_username_in_other_letters_is_refused(cli_env: None) -> None:
    # A Cyrillic "а" looks like a Latin one in the audit log; names are Latin only.
    lookalike = runner.invoke(
        app, ["staff", "add", "аibek", "--office", "bsk"], input="long enough pw\nlong enough pw\n"
    )
    listed = runner.invoke(app, ["staff", "list"])

    assert lookalike.exit_code == 1
    assert "username" in lookalike.output and "Latin letters" in lookalike.output
    assert "ibek" not in listed.output
