"""Reading a network file: every error with its line, its field and a fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from kezek.network.file import FileProblem, NetworkFileError, key_lines, parse_network
from tests.factories import NETWORK_TOML

EXAMPLE = Path(__file__).parents[2] / "examples" / "network" / "kyrgyz-consulates-russia.toml"


def _problems(text: str) -> list[FileProblem]:
    with pytest.raises(NetworkFileError) as raised:
        parse_network(text, source="net.toml")
    return raised.value.problems


def _line_of(text: str, snippet: str, occurrence: int = 1) -> int:
    lines = [i for i, line in enumerate(text.splitlines(), start=1) if snippet in line]
    return lines[occurrence - 1]


def test_the_shipped_network_is_valid_and_complete() -> None:
    spec = parse_network(EXAMPLE.read_text(encoding="utf-8"), source=str(EXAMPLE))

    offices = {office.code: office for office in spec.offices}
    assert set(offices) == {"msk", "spb", "kzn", "ekb", "nsk", "krs", "vvo"}
    assert offices["ekb"].timezone == "Asia/Yekaterinburg"
    assert offices["nsk"].timezone == "Asia/Novosibirsk"
    assert {s.code for s in spec.services} >= {"registration", "return-certificate", "passport"}


def test_the_test_network_is_valid() -> None:
    assert len(parse_network(NETWORK_TOML, source="t").offices) == 3


def test_it_reports_every_error_with_line_field_and_fix() -> None:
    text = (
        NETWORK_TOML.replace('timezone = "Asia/Bishkek"', 'timezone = "Asia/Bishkkek"', 1)
        .replace('services = ["other"]', 'services = ["othr"]')
        .replace('mon = ["08:00-20:00"]', 'mon = ["08:00-20:05"]')
        .replace("duration_minutes = 20", "duration_minutes = 0")
    )

    problems = {problem.field: problem for problem in _problems(text)}

    assert set(problems) == {
        "services[1].duration_minutes",
        "offices[0].timezone",
        "offices[0].windows[2].services[0]",
        "offices[1].hours.mon[0]",
    }
    zone = problems["offices[0].timezone"]
    assert zone.line == _line_of(text, "Asia/Bishkkek")
    assert "did you mean Asia/Bishkek?" in zone.message
    window = problems["offices[0].windows[2].services[0]"]
    assert window.line == _line_of(text, 'services = ["othr"]')
    assert "use one of long, other, quick" in window.message
    grid = problems["offices[1].hours.mon[0]"]
    assert grid.line == _line_of(text, "08:00-20:05")
    assert "multiple of 10 minutes" in grid.message
    assert str(grid).startswith(f"net.toml:{grid.line}: offices[1].hours.mon[0]: ")


def test_unknown_and_missing_fields() -> None:
    text = NETWORK_TOML.replace('kind = "consulate"', 'kind = "consulat"\ncolour = "red"').replace(
        'country = "RU"\n', ""
    )

    problems = {problem.field: problem.message for problem in _problems(text)}

    assert "remove it, or check its spelling" in problems["offices[0].colour"]
    assert "'embassy', 'consulate'" in problems["offices[0].kind"]
    assert "add this field" in problems["offices[1].country"]


def test_cross_references_and_duplicates() -> None:
    text = NETWORK_TOML.replace('code = "big"', 'code = "bsk"').replace(
        'services = ["quick", "long", "other"]\n\n[offices.hours]',
        'services = ["quick", "long", "other", "ghost"]\n\n[offices.hours]',
    )

    problems = {problem.field: problem.message for problem in _problems(text)}

    assert problems["offices[1].code"] == "office code 'bsk' is used 2 times; make it unique"
    assert problems["offices[0].services[3]"].startswith("unknown service 'ghost'")


def test_hours_that_overlap_or_close_before_opening() -> None:
    text = NETWORK_TOML.replace(
        'tue = ["09:00-18:00"]', 'tue = ["09:00-13:00", "12:00-18:00"]', 1
    ).replace('wed = ["09:00-18:00"]', 'wed = ["18:00-09:00"]', 1)

    problems = {problem.field: problem.message for problem in _problems(text)}

    assert "overlap" in problems["offices[0].hours.tue"]
    assert "closes before it opens" in problems["offices[0].hours.wed"]


def test_a_syntax_error_gives_its_line() -> None:
    text = NETWORK_TOML.replace('code = "quick"', 'code = "quick', 1)

    (problem,) = _problems(text)

    assert problem.line == _line_of(text, 'code = "quick')
    assert problem.field == "(syntax)"


def test_key_lines_follows_arrays_of_tables() -> None:
    text = "[[a]]\nx = 1\n[[a]]\nx = 2\n[[a.b]]\ny = 3\n[a.c]\nz = 4\n"

    lines = key_lines(text)

    assert lines[("a", 0, "x")] == 2
    assert lines[("a", 1, "x")] == 4
    assert lines[("a", 1, "b", 0, "y")] == 6
    assert lines[("a", 1, "c", "z")] == 8


def test_ticket_prefixes_must_differ() -> None:
    text = NETWORK_TOML.replace('ticket_prefix = "L"', 'ticket_prefix = "Q"')

    problems = {problem.field: problem.message for problem in _problems(text)}

    assert problems == {
        "services[1].ticket_prefix": "ticket prefix 'Q' is used 2 times; make it unique"
    }


def test_queue_settings_are_checked() -> None:
    text = NETWORK_TOML.replace(
        'slot_minutes = 10\nservices = ["quick", "long", "other"]',
        'slot_minutes = 10\nservices = ["quick", "long", "other"]\n'
        'queue = { priority_groups = ["priority", "priority"], max_wait_minutes = 0 }',
        1,
    )

    problems = {problem.field: problem.message for problem in _problems(text)}

    assert "listed twice" in problems["offices[0].queue.priority_groups"]
    assert "use a value of at least 1" in problems["offices[0].queue.max_wait_minutes"]
