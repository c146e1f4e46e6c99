"""Rounds in the network file: what they name must exist, their times follow each other,
and a day of a service at an office belongs to one round; each problem with its line."""

from __future__ import annotations

import pytest

from kezek.network.file import FileProblem, NetworkFileError, parse_network
from tests.integration.rounds.helpers import network_with_round, round_toml, timeline


def _problems(text: str) -> list[FileProblem]:
    with pytest.raises(NetworkFileError) as raised:
        parse_network(text, source="n.toml")
    return raised.value.problems


def test_a_good_round_loads_with_its_times_in_utc() -> None:
    t = timeline()
    spec = parse_network(network_with_round(t), source="n.toml")
    (one,) = spec.rounds
    assert one.opens == t.opens and one.opens.utcoffset() is not None
    assert (one.first, one.last) == (t.first, t.last)


@pytest.mark.parametrize(
    ("fields", "field", "says"),
    [
        ({"offices": ["nowhere"]}, "rounds[0].offices[0]", "unknown office 'nowhere'"),
        ({"services": ["other"]}, "rounds[0].services[0]", "offers service 'other'"),
        ({"groups": ["vip"], "groups_share": 5}, "rounds[0].groups[0]", "has no name"),
        ({"urgent_share": 60, "groups_share": 50}, "rounds[0]", "more than 100"),
        ({"urgent_share": 10, "urgent_before": None}, "rounds[0]", "needs urgent_before"),
        ({"confirm_hours": 0}, "rounds[0].confirm_hours", ""),
        ({"commitment": "abc"}, "rounds[0].commitment", ""),
    ],
)
def test_wrong_rounds_are_named(fields: dict[str, object], field: str, says: str) -> None:
    t = timeline()
    text = network_with_round(t, round_toml(t, **fields))
    if fields.get("urgent_before", 1) is None:
        text = text.replace("urgent_before = None\n", "")
    problems = _problems(text)
    assert [p.field for p in problems] == [field], problems
    assert says in problems[0].message
    assert problems[0].line is not None


def test_times_out_of_order_and_a_day_in_two_rounds() -> None:
    t = timeline()
    late_draw = round_toml(t).replace(
        f"draw = {t.draws.isoformat()}", f"draw = {t.first.isoformat()}T12:00:00+06:00"
    )
    assert "before the round's first day" in _problems(network_with_round(t, late_draw))[0].message
    naive = round_toml(t).replace(t.opens.isoformat(), t.opens.replace(tzinfo=None).isoformat())
    assert "no offset from UTC" in _problems(network_with_round(t, naive))[0].message
    swapped = round_toml(t).replace(
        f"closes = {t.closes.isoformat()}", f"closes = {t.opens.isoformat()}"
    )
    assert "opens, then closes" in _problems(network_with_round(t, swapped))[0].message
    twice = _problems(network_with_round(t, round_toml(t), round_toml(t, code="again")))
    assert [p.field for p in twice] == ["rounds[1].from"]
    assert "already in round 'spring'" in twice[0].message


def test_a_service_sharing_a_window_with_the_round_must_be_in_it() -> None:
    t = timeline()
    shared = network_with_round(t).replace(
        'code = "1"\nservices = ["long"]\n', 'code = "1"\nservices = ["long", "quick"]\n'
    )
    problems = _problems(shared)
    assert [p.field for p in problems] == ["rounds[0].services"]
    assert "window '1' of 'tiny' also books quick" in problems[0].message
    both = shared.replace('services = ["long"]\nurgent', 'services = ["long", "quick"]\nurgent')
    assert [r.services for r in parse_network(both, source="n.toml").rounds] == [["long", "quick"]]
