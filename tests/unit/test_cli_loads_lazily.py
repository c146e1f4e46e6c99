"""Each command of ``kezek`` loads its libraries only when it runs."""

from __future__ import annotations

import subprocess
import sys

from typer.testing import CliRunner

from kezek.cli.main import COMMANDS, app


def _loaded_after(code: str) -> set[str]:
    script = f"import sys\n{code}\nprint(' '.join(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    return set(done.stdout.split())


def test_the_command_line_alone_loads_no_database_and_no_numerics() -> None:
    loaded = _loaded_after("import kezek.cli.main")

    assert not {"sqlalchemy", "numpy", "numba", "matplotlib", "fastapi"} & loaded


def test_the_plan_command_loads_no_database() -> None:
    loaded = _loaded_after(
        "from kezek.cli.main import app\n"
        "from typer.main import get_command\n"
        "get_command(app).get_command(None, 'plan')"
    )

    assert "kezek.cli.plan" in loaded
    assert "sqlalchemy" not in loaded


def test_help_lists_every_command_and_each_still_runs() -> None:
    runner = CliRunner()

    listed = runner.invoke(app, ["--help"])
    assert listed.exit_code == 0
    for name in COMMANDS:
        assert name in listed.output
    for name in COMMANDS:
        shown = runner.invoke(app, [name, "--help"])
        assert shown.exit_code == 0, (name, shown.output)
        assert "Usage" in shown.output
    assert runner.invoke(app, ["nonsense"]).exit_code != 0
