"""Small scenarios on the example network, written to a temporary directory."""

from __future__ import annotations

from pathlib import Path

NETWORK = (
    Path(__file__).resolve().parents[3] / "examples" / "network" / "kyrgyz-consulates-russia.toml"
)

SMALL = """
[scenario]
name = "Two offices, a small backlog"
network = "{network}"
start = 2025-04-01
deadlines = [2025-04-30, 2025-06-30]
confidence = 0.9
replications = 40
seed = 11
horizon_days = 200

[defaults]
no_show = 0.1
walk_in_share = 0.3

[services.return-certificate]
distribution = "lognormal"
mean_minutes = 13
cv = 0.6

[[offices]]
code = "kzn"
backlog = {{ return-certificate = 1500, registration = 500 }}
daily_demand = 15

[[offices]]
code = "nsk"
backlog = {{ return-certificate = 1200 }}
daily_demand = 10
{extra}
"""


def write_scenario(folder: Path, extra: str = "", *, text: str | None = None) -> Path:
    path = folder / "scenario.toml"
    body = text if text is not None else SMALL.format(network=NETWORK.as_posix(), extra=extra)
    path.write_text(body, encoding="utf-8")
    return path
