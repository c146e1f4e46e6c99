"""A draw's published file: anyone redoes the draw from it and finds it confirmed; any change
to the seed, the applications or the result is found and named."""

from __future__ import annotations

import json
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kezek.allocation.draw import Applicant, Bucket, Supply
from kezek.allocation.publication import (
    NotADraw,
    applications_hash,
    from_json,
    publish,
    to_json,
    verify,
)
from kezek.allocation.seed import commitment
from tests.unit.allocation.strategies import applicants, supplies

SEED = bytes(range(32))
MSK = Bucket("msk", "passport", date(2025, 4, 1))
SPB = Bucket("spb", "passport", date(2025, 4, 2))
PEOPLE = [
    Applicant(
        f"{n:064x}",
        ((MSK, SPB),) if n % 2 else ((SPB,), (MSK,)),
        frozenset({"urgent"} if n % 3 == 0 else ()),
    )
    for n in range(12)
]
SUPPLY = {MSK: Supply(3, (("urgent", 1),)), SPB: Supply(2)}


def _file() -> str:
    return to_json(publish("msk-april", SEED, SUPPLY, PEOPLE))


@settings(max_examples=40)
@given(applicants(), supplies(), st.binary(min_size=32, max_size=32))
def test_a_published_draw_is_confirmed_and_reads_back_as_it_was(
    people: list[Applicant], supply: dict[Bucket, Supply], seed: bytes
) -> None:
    published = publish("round", seed, supply, people)
    text = to_json(published)

    again, stated = from_json(text)

    assert (
        verify(text, commitment=commitment(seed), applications_sha256=applications_hash(people))
        == []
    )
    assert stated == applications_hash(people)
    assert again.outcome.order == published.outcome.order
    assert dict(again.outcome.wins) == dict(published.outcome.wins)
    assert again.outcome.waitlist == published.outcome.waitlist
    assert again.supply == supply


def test_the_file_names_nobody() -> None:
    document = json.loads(_file())

    assert {key for entry in document["applications"] for key in entry} == {
        "key",
        "choices",
        "categories",
    }
    assert set(document) == {
        "format",
        "round",
        "commitment",
        "seed",
        "places",
        "applications",
        "applications_sha256",
        "result",
    }


def test_another_seed_is_found() -> None:
    document = json.loads(_file())
    document["seed"] = bytes(32).hex()

    problems = verify(json.dumps(document))

    assert "the seed does not match the file's commitment" in problems


def test_a_seed_other_than_the_one_committed_to_before_is_found() -> None:
    problems = verify(_file(), commitment=commitment(b"another seed"))

    assert problems == [
        "the seed does not match the commitment published before applications opened"
    ]


def test_an_application_added_after_closing_is_found() -> None:
    hash_at_closing = applications_hash(PEOPLE)
    added = to_json(publish("msk-april", SEED, SUPPLY, [*PEOPLE, Applicant("f" * 64, ((MSK,),))]))

    problems = verify(added, applications_sha256=hash_at_closing)

    assert problems == ["the applications do not match the hash published when applications closed"]


def test_a_place_handed_to_someone_else_is_found() -> None:
    document = json.loads(_file())
    wins = document["result"]["wins"]
    winner = next(iter(wins))
    loser = document["result"]["waitlist"][0]
    wins[loser] = wins.pop(winner)
    document["result"]["waitlist"][0] = winner

    problems = verify(json.dumps(document))

    assert problems[0].startswith("the places differ from the draw's for 2 applicants")
    assert problems[1] == "the waitlist is not the one the draw gives"


def test_an_order_edited_is_found() -> None:
    document = json.loads(_file())
    document["result"]["order"].reverse()

    assert "the order is not the one the seed gives" in verify(json.dumps(document))


@pytest.mark.parametrize(
    "text",
    ["not json", json.dumps({"format": "other"}), json.dumps({"format": "kezek-draw/1"})],
)
def test_a_file_that_is_not_a_draw_is_refused_plainly(text: str) -> None:
    with pytest.raises(NotADraw, match="draw"):
        verify(text)
