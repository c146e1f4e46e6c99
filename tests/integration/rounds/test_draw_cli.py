"""kezek draw run / show / export / verify ROUND, and a round's places fixed by the load,
as an operator runs them; a seed held outside is asked for and checked."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from typer.testing import CliRunner

from kezek.bootstrap import build_context
from kezek.cli.main import app
from kezek.config import get_settings
from kezek.rounds import service
from tests.factories import ZONES
from tests.integration.rounds.helpers import (
    Timeline,
    client_of,
    network_with_round,
    proof,
    request,
    round_toml,
)

runner = CliRunner()
SEED = bytes(range(32))


def _past_round() -> Timeline:
    """A round whose applications closed and whose draw time has come."""
    now = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)
    return Timeline(now, now.astimezone(ZONES["tiny"]).date() + timedelta(days=3), 1)


def test_an_operator_runs_and_checks_a_draw(
    cli_env: None, sessions: object, tmp_path: Path
) -> None:
    t = _past_round()
    held_outside = round_toml(t, commitment=hashlib.sha256(SEED).hexdigest())
    network = tmp_path / "network.toml"
    network.write_text(network_with_round(t, held_outside))
    loaded = runner.invoke(app, ["network", "load", str(network)])
    assert loaded.exit_code == 0, loaded.output
    context = build_context(get_settings())
    for number in range(1, 6):
        service.apply(
            context,
            code="spring",
            request=request(number, [t.day(0)]),
            phone_proof=proof(context, number),
            client=client_of(number),
            now=t.now,
        )
    unasked = runner.invoke(app, ["draw", "run", "spring"])
    assert unasked.exit_code == 1 and "held outside" in unasked.output
    wrong = runner.invoke(app, ["draw", "run", "spring", "--seed", "00" * 32])
    assert wrong.exit_code == 1
    drawn = runner.invoke(app, ["draw", "run", "spring", "--seed", SEED.hex()])
    assert drawn.exit_code == 0, drawn.output
    assert "5 applications, 3 places, 3 won (3 booked), 2 on the waitlist" in drawn.output
    checked = runner.invoke(app, ["draw", "verify", "spring"])
    assert checked.exit_code == 0, checked.output
    assert checked.output.startswith("Confirmed: draw spring, 5 applications, 3 places given")
    exported = runner.invoke(app, ["draw", "export", "spring"])
    assert json.loads(exported.output)["seed"] == SEED.hex()
    shown = runner.invoke(app, ["draw", "show", "spring"])
    assert "Round spring (drawn)" in shown.output and SEED.hex() in shown.output
    # The places are published: the file may not change them any more.
    moved = tmp_path / "moved.toml"
    moved.write_text(
        network_with_round(t, held_outside.replace(f"to = {t.last}", f"to = {t.day(1)}"))
    )
    refused = runner.invoke(app, ["network", "load", str(moved)])
    assert refused.exit_code == 1
    assert "last_day can no longer change" in refused.output
