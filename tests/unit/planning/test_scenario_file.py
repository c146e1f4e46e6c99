"""A scenario file with a mistake gets every problem with its line, field and fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from kezek.planning.scenario import ScenarioFileError, read_scenario

from .scenarios import NETWORK, SMALL, write_scenario


def _problems(path: Path) -> list[str]:
    with pytest.raises(ScenarioFileError) as caught:
        read_scenario(path)
    return [str(problem) for problem in caught.value.problems]


def test_the_small_scenario_and_the_example_are_read(tmp_path: Path) -> None:
    spec, network = read_scenario(write_scenario(tmp_path))
    assert network.network.name
    assert [office.code for office in spec.offices] == ["kzn", "nsk"]
    example = Path(__file__).resolve().parents[3] / "examples/scenarios/legalization-2025.toml"
    spec, _ = read_scenario(example)
    backlog = sum(sum(office.backlog.values()) for office in spec.offices)
    assert 60_000 <= backlog <= 75_000
    assert [d.isoformat() for d in spec.scenario.deadlines] == ["2025-04-30", "2025-09-10"]
    assert len(spec.offices) == 5


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ('code = "nsk"', 'code = "omsk"'),
            "offices[1].code: office 'omsk' is not in the network; use one of ",
        ),
        (
            ("return-certificate = 1200", "visa = 1200"),
            "offices[1].backlog.visa: service 'visa' is not offered at 'nsk'; use one of",
        ),
        (
            ("deadlines = [2025-04-30, 2025-06-30]", "deadlines = [2025-06-30, 2025-04-30]"),
            "scenario.deadlines: deadlines must be in date order; sort them",
        ),
        (
            ("deadlines = [2025-04-30, 2025-06-30]", "deadlines = [2025-03-01]"),
            "is not after start 2025-04-01; list deadlines after the start date",
        ),
        (
            ('distribution = "lognormal"', 'distribution = "empirical"'),
            "needs samples_minutes with at least 10 measured service times",
        ),
        (("confidence = 0.9", "confidence = 1.5"), "scenario.confidence: use a value below 1.0"),
        (
            ("no_show = 0.1", "no_shows = 0.1"),
            "defaults.no_shows: this field is not known; remove it, or check its spelling",
        ),
    ],
)
def test_a_mistake_is_named_with_its_line_field_and_fix(
    tmp_path: Path, change: tuple[str, str], expected: str
) -> None:
    text = SMALL.format(network=NETWORK.as_posix(), extra="").replace(*change)
    path = write_scenario(tmp_path, text=text)

    problems = _problems(path)

    assert any(expected in problem for problem in problems), problems
    assert all(problem.startswith(f"{path}:") for problem in problems), problems


def test_an_unknown_kind_of_change_lists_the_kinds(tmp_path: Path) -> None:
    path = write_scenario(
        tmp_path,
        """
[[what_ifs]]
name = "Nonsense"
changes = [{ kind = "teleport", office = "kzn" }]
""",
    )

    problems = "\n".join(_problems(path))

    assert "what_ifs[0].changes[0]: Input tag 'teleport' found using 'kind'" in problems
    assert "'add_windows', 'extend_hours', 'extra_day', 'mobile_team'" in problems


def test_what_ifs_are_checked_against_the_network(tmp_path: Path) -> None:
    path = write_scenario(
        tmp_path,
        """
[[what_ifs]]
name = "Nonsense"

[[what_ifs.changes]]
kind = "add_windows"
office = "xyz"
windows = 2
from = 2025-04-07

[[what_ifs.changes]]
kind = "shift_demand"
from = "kzn"
to = "kzn"
share = 0.5

[[what_ifs.changes]]
kind = "extend_hours"
office = "kzn"
hours = ["18:00-20:00"]
from = 2025-05-01
to = 2025-04-01
""",
    )

    problems = "\n".join(_problems(path))

    assert "what_ifs[0].changes[0].office: office 'xyz' is not in the network" in problems
    assert "what_ifs[0].changes[1].to: demand must move to another office" in problems
    assert ":51: what_ifs[0].changes[2].to: 'to' is before 'from'; swap them" in problems


def test_a_broken_network_or_syntax_is_reported_not_raised(tmp_path: Path) -> None:
    missing = SMALL.format(network="no-such-network.toml", extra="")
    problems = _problems(write_scenario(tmp_path, text=missing))
    assert "scenario.network: the network file no-such-network.toml has errors" in problems[0]
    assert "cannot be read" in problems[1]

    problems = _problems(write_scenario(tmp_path, text="[scenario\nname = 1"))
    assert "(syntax)" in problems[0] and "fix the TOML syntax" in problems[0]
