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
    places_hash,
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

    problems = verify(
        text,
        commitment=commitment(seed),
        places_sha256=places_hash(supply),
        applications_sha256=applications_hash(people),
    )

    assert problems == []
    assert stated.applications_sha256 == applications_hash(people)
    assert stated.places_sha256 == places_hash(supply)
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
        "places_sha256",
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


def test_places_changed_after_they_were_published_are_found() -> None:
    """An operator who adds a place after the draw and rewrites the result to match."""
    more = {**SUPPLY, SPB: Supply(3)}
    rewritten = to_json(publish("msk-april", SEED, more, PEOPLE))

    assert verify(rewritten) == []  # consistent in itself…
    assert verify(rewritten, places_sha256=places_hash(SUPPLY)) == [  # …but not as published
        "the places do not match the hash published before applications opened"
    ]


def test_the_order_of_the_places_in_the_file_changes_nothing() -> None:
    document = json.loads(_file())
    document["places"].reverse()

    assert verify(json.dumps(document), places_sha256=places_hash(SUPPLY)) == []


def _edited(path: tuple[str | int, ...], value: object) -> str:
    document = json.loads(_file())
    *parents, last = path
    target = document
    for part in parents:
        target = target[part]
    target[last] = value
    return json.dumps(document)


@pytest.mark.parametrize(
    ("path", "value", "problem"),
    [
        (("places", 0, "places"), "3", "places.0.places: Input should be a valid integer"),
        (("places", 0, "places"), 1e300, "places.0.places: Input should be a valid integer"),
        (("places", 0, "places"), True, "places.0.places: Input should be a valid integer"),
        (("applications", 0, "categories"), "urgent", "applications.0.categories"),
        (("result", "wins"), [], "result.wins"),
        (("seed",), "00", "seed: String should match pattern"),
        (("seed",), "zz" * 32, "seed: String should match pattern"),
        (("round",), "r1[/]", "round: String should match pattern"),
        (("places", 0, "reserves"), [["urgent", 9]], "places: reserves of 9 places exceed"),
    ],
)
def test_a_field_of_the_wrong_kind_is_named(
    path: tuple[str | int, ...], value: object, problem: str
) -> None:
    with pytest.raises(NotADraw) as refused:
        verify(_edited(path, value))

    assert str(refused.value).startswith(problem)


def test_an_applicant_listed_twice_is_refused() -> None:
    document = json.loads(_file())
    document["applications"].append({**document["applications"][0], "categories": ["urgent"]})

    with pytest.raises(NotADraw, match="appears more than once"):
        verify(json.dumps(document))


def test_a_commitment_that_is_not_a_hash_does_not_match() -> None:
    assert verify(_file(), commitment=commitment(SEED) + "\u200b") == [
        "the seed does not match the commitment published before applications opened"
    ]


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[" * 100_000,
        "[]",
        json.dumps({"format": "other"}),
        json.dumps({"format": "kezek-draw/1"}),
    ],
)
def test_a_file_that_is_not_a_draw_is_refused_plainly(text: str) -> None:
    with pytest.raises(NotADraw) as refused:
        verify(text)

    assert any(
        words in str(refused.value)
        for words in ("not JSON", "not a JSON object", "not a Kezek draw", "is missing")
    )
